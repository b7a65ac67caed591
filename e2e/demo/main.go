// Command demo runs bootstage's main job where anyone can watch it: it
// builds the binaries, boots a throwaway systemd (package harness), installs
// an example stack (default three-stage), starts bootstage.target, and
// prints what ran: the units, the containers, an answer from every
// published port and every stage gate's status. Then it powers the machine
// off, leaving nothing behind but the harness cache. Needs root.
//
//	go run ./e2e/demo [-example three-stage] [-keep]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

func main() {
	example := flag.String("example", "three-stage", "the stack under contrib/examples to run")
	keep := flag.Bool("keep", false, "keep the machine running until Enter is pressed")
	flag.Parse()
	if err := run(*example, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(example string, keep bool) error {
	tree, err := os.MkdirTemp("", "bootstage-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tree)
	os.Chmod(tree, 0o755)
	step("building the binaries into a DESTDIR with contrib/examples/%s as /etc/bootstage", example)
	if err := harness.BuildTree(tree, example); err != nil {
		return err
	}
	stack, err := harness.ReadStack(filepath.Join(tree, harness.ConfigDir))
	if err != nil {
		return err
	}
	if stack.Nanos() {
		step("installing Nanos's kernel.img, boot.img and mkfs (shared/nanos beside the checkout) in %s", harness.NanosDir)
		if err := harness.InstallNanos(tree); err != nil {
			return err
		}
	}
	step("booting a throwaway systemd in systemd-nspawn (the first run builds its root: about a minute)")
	m, err := harness.Start(harness.Options{Logf: func(f string, a ...any) { fmt.Printf("   "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Install(tree); err != nil {
		return err
	}
	// An example may need things on the node that no TOML file can hold
	// (contrib/examples/resources makes an image archive and a secret).
	if _, err := os.Stat(filepath.Join(tree, harness.ConfigDir, "prepare.sh")); err == nil {
		step("sh %s/prepare.sh", harness.ConfigDir)
		if out, err := m.Run("sh", harness.ConfigDir+"/prepare.sh"); err != nil {
			return fmt.Errorf("prepare.sh: %w\n%s", err, out)
		}
	}
	if out, err := m.Run("systemctl", "daemon-reload"); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	step("systemctl start bootstage.target")
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := m.RunContext(ctx, "systemctl", "start", "bootstage.target")
	fmt.Print(indent(out))
	fmt.Printf("   -> %v after %v\n", result(err), time.Since(t0).Round(time.Millisecond))
	show(m, stack)
	if keep {
		fmt.Printf("\nThe machine is running: nsenter -t %d -a -- bash   (Enter powers it off)\n", m.Leader())
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
	step("powering off")
	return err
}

// show prints what ran, the way an operator would look.
func show(m *harness.Machine, s *harness.Stack) {
	cmd("systemctl", "list-units", "--all", "--no-pager", "bootstage*")(m)
	var units []string
	for _, st := range s.Stages {
		units = append(units, st.Target)
	}
	cmd(append([]string{"systemctl", "list-units", "--all", "--no-pager"}, s.Units()...)...)(m)
	cmd("podman", "ps", "--format", "table {{.Names}}\t{{.Status}}\t{{.Ports}}")(m)
	step("stage order (systemd's ActiveEnterTimestamp)")
	for _, u := range units {
		ts, _ := m.Run("systemctl", "show", "-P", "ActiveEnterTimestamp", u)
		fmt.Printf("   %-32s %s", u, orNone(ts))
	}
	step("an answer from every published port (curl inside the machine)")
	for _, st := range s.Stages {
		for _, c := range st.Components {
			for _, a := range c.Ports {
				body, err := m.Run("curl", "-sS", "-m", "5", "http://"+a+"/")
				body = strings.ReplaceAll(strings.TrimSpace(body), "\n", "\n"+strings.Repeat(" ", 49))
				fmt.Printf("   %-28s %-16s %s\n", c.Unit, a, body+errSuffix(err))
			}
		}
	}
	step("gate status (what each stage waited for)")
	for _, st := range s.Stages {
		status, _ := m.Run("systemctl", "show", "-P", "StatusText", st.Gate)
		fmt.Printf("   %-36s %s", st.Gate, orNone(status))
	}
	if len(s.Units()) > 0 {
		u := s.Units()[0]
		cmd("journalctl", "-b", "--no-pager", "-n", "8", "-u", u)(m)
	}
	for _, st := range s.Stages {
		for _, c := range st.Components {
			if c.Nanos { // its console, and how its image was built
				cmd("journalctl", "-b", "--no-pager", "-n", "8", "-u", c.Unit)(m)
			}
		}
	}
}

func cmd(argv ...string) func(*harness.Machine) {
	return func(m *harness.Machine) {
		step("%s", strings.Join(argv, " "))
		out, err := m.Run(argv...)
		fmt.Print(indent(out))
		if err != nil {
			fmt.Printf("   (%v)\n", err)
		}
	}
}

func step(f string, a ...any) { fmt.Printf("\n== "+f+"\n", a...) }

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "   " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n   ") + "\n"
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-\n"
	}
	return s
}

func result(err error) string {
	if err != nil {
		return "FAILED: " + err.Error()
	}
	return "done"
}

func errSuffix(err error) string {
	if err != nil {
		return " (" + err.Error() + ")"
	}
	return ""
}
