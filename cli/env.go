package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/vm"
)

// Env is everything a command touches outside its arguments. Main uses
// DefaultEnv; tests replace the parts they need (a fake Systemd, a fixed
// clock, buffers for output), so no command needs a real machine to test.
type Env struct {
	Stdout, Stderr io.Writer
	// TTY says Stdout is a terminal: colour and symbols, unless NO_COLOR.
	TTY    bool
	Getenv func(string) string
	Now    func() time.Time
	// Sleep waits between two polls of systemd; it returns early with the
	// context's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Dial connects to systemd.
	Dial func(ctx context.Context) (Systemd, error)
	// Journal returns the last lines of unit's journal, as
	// `journalctl -u UNIT -n N -o cat` prints them.
	Journal func(ctx context.Context, unit string, n int) (string, error)
	// Exec replaces the process with argv (journalctl for logs); it only
	// returns on error.
	Exec func(argv []string) error
	// LookPath finds an executable (dot, journalctl).
	LookPath func(name string) (string, error)
	// Run runs a program with stdin and returns its stdout (dot).
	Run func(ctx context.Context, argv []string, stdin []byte) ([]byte, error)
	// Generate builds the generator's output (generator.Generate).
	Generate func(generator.Options) (*generator.Output, error)
	// VMStatus, VMStop and VMPrepare control QEMU guests (package vm);
	// VMPrepareNanos builds a unikernel's image and VMPlanNanos says
	// whether its next start will.
	VMStatus       func(ctx context.Context, socket string) (vm.VMStatus, error)
	VMStop         func(ctx context.Context, socket string, timeout time.Duration) (vm.StopResult, error)
	VMPrepare      func(ctx context.Context, o vm.PrepareOptions) (string, error)
	VMPrepareNanos func(ctx context.Context, b qemu.NanosBuild) (vm.NanosResult, error)
	VMPlanNanos    func(ctx context.Context, b qemu.NanosBuild) (vm.NanosPlan, error)
	// SearchPath is the config search path when neither --config-path nor
	// BOOTSTAGE_CONFIG_PATH names one; nil: load.DefaultSearchPath.
	SearchPath []string
	// Host and Hostname are passed to the generator; zero values: detected.
	Host     *runtimes.Host
	Hostname string
	// LiveDir is where systemd keeps generator output (plan's default).
	LiveDir string
	// SystemdRunDir exists when systemd is the running init.
	SystemdRunDir string
	// PollInterval is how often up/down poll unit states.
	PollInterval time.Duration
}

// DefaultEnv is the environment of the real command.
func DefaultEnv() *Env {
	return &Env{
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		TTY:       isTerminal(os.Stdout),
		Getenv:    os.Getenv,
		Now:       time.Now,
		Sleep:     sleep,
		Journal:   journalTail,
		Exec:      execve,
		LookPath:  exec.LookPath,
		Run:       run,
		Generate:  generator.Generate,
		VMStatus:  vm.Status,
		VMStop:    vm.Stop,
		VMPrepare: vm.Prepare,
		VMPrepareNanos: func(ctx context.Context, b qemu.NanosBuild) (vm.NanosResult, error) {
			return vm.PrepareNanos(ctx, b, "")
		},
		VMPlanNanos: func(ctx context.Context, b qemu.NanosBuild) (vm.NanosPlan, error) {
			return vm.PlanNanos(ctx, b, "")
		},
		Dial:          dialSystemd,
		SearchPath:    load.DefaultSearchPath,
		LiveDir:       "/run/systemd/generator",
		SystemdRunDir: "/run/systemd/system",
		PollInterval:  200 * time.Millisecond,
	}
}

// isTerminal reports whether f is a character device (a terminal), which
// is all colour needs to know without a terminal library.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func journalTail(ctx context.Context, unit string, n int) (string, error) {
	out, err := exec.CommandContext(ctx, "journalctl", "--no-pager", "-u", unit,
		"-n", strconv.Itoa(n), "-o", "cat").Output()
	return string(out), err
}

func execve(argv []string) error {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fail(ExitError, "%s not found: %v", argv[0], err)
	}
	return syscall.Exec(path, argv, os.Environ())
}

func run(ctx context.Context, argv []string, stdin []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stderr = os.Stderr
	return cmd.Output()
}
