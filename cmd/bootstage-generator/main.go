// Command bootstage-generator is bootstage's systemd generator
// (systemd.generator(7)): it turns /etc/bootstage (and the rest of the
// search path) into units in the normal generator directory, its first
// argument. It logs to the kernel log when systemd runs it, to stderr
// otherwise; it writes every unit it can, and exits 1 if any file had an
// error (systemd logs that and keeps the output).
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/internal/parallel"
)

// version is set by the build (meson: -X main.version=...).
var version = "dev"

func main() {
	// The generator allocates a few tens of MB and exits: collecting half as
	// often saves a tenth of its run time at 1000 services for 2 MB of RSS
	// (bench/generator.sh). An explicit GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	os.Exit(run(os.Args[1:], logOutput()))
}

func run(args []string, log io.Writer) (code int) {
	defer func() { // a generator must never take boot down with a panic
		if r := recover(); r != nil {
			stack := debug.Stack()
			if p, ok := r.(*parallel.Panic); ok { // raised again from a worker: its stack says where
				r, stack = p.Value, p.Stack
			}
			fmt.Fprintf(log, "<2>bootstage-generator: internal error: %v\n%s", r, stack)
			code = 1
		}
	}()
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println("bootstage-generator", version)
		return 0
	}
	if len(args) != 1 && len(args) != 3 {
		fmt.Fprintln(log, "<3>usage: bootstage-generator NORMAL-DIR [EARLY-DIR LATE-DIR] | --version")
		return 2
	}
	out, err := generator.GenerateInto(generator.Options{}, args[0])
	if out == nil {
		fmt.Fprintf(log, "<3>bootstage-generator: %v\n", err)
		return 1
	}
	if out.AutoAccel() {
		accel := "tcg"
		if out.Host.KVM {
			accel = "kvm"
		}
		fmt.Fprintf(log, "<6>bootstage-generator: accel = \"auto\" is %s here: %s\n", accel, out.Host.KVMReason)
	}
	for _, p := range out.Problems {
		level := "<3>"
		if p.Warning {
			level = "<4>"
		}
		fmt.Fprintf(log, "%sbootstage-generator: %s\n", level, p.Error())
	}
	if err != nil {
		fmt.Fprintf(log, "<3>bootstage-generator: %v\n", err)
		return 1
	}
	if len(out.Problems.Errors()) > 0 {
		return 1
	}
	return 0
}

// logOutput is /dev/kmsg when systemd runs the generator (syslog and the
// journal are not up yet, systemd.generator(7)), else stderr, where the
// "<N>" priority prefixes are read by humans as they are.
func logOutput() io.Writer {
	if os.Getenv("SYSTEMD_SCOPE") != "" {
		if f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY, 0); err == nil {
			return kmsg{f}
		}
	}
	return plain{os.Stderr}
}

// plain drops the "<N>" priority prefix that only the kernel log reads.
type plain struct{ w io.Writer }

func (p plain) Write(b []byte) (int, error) {
	for _, line := range splitLines(b) {
		if len(line) > 3 && line[0] == '<' && line[2] == '>' {
			line = line[3:]
		}
		if _, err := p.w.Write(line); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// kmsg writes each line as its own kernel log record.
type kmsg struct{ f *os.File }

func (k kmsg) Write(p []byte) (int, error) {
	for _, line := range splitLines(p) {
		if _, err := k.f.Write(line); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func splitLines(p []byte) [][]byte {
	var out [][]byte
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != '\n' {
			i++
		}
		if i < len(p) {
			i++
		}
		out = append(out, p[:i])
		p = p[i:]
	}
	return out
}
