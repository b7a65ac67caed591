package healthd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// ExecCheck is healthy when Argv exits 0. The command runs in its own
// process group, which is killed when the attempt times out, and its
// environment never carries the gate's sd_notify or watchdog variables: a
// probe script must not be able to tell systemd that the gate is ready.
type ExecCheck struct {
	Argv []string
}

// privateEnv are the variables systemd hands to the gate itself.
var privateEnv = []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}

// Check runs the command once.
func (c *ExecCheck) Check(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = probeEnv(os.Environ())
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 4096}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A child that keeps the output pipe open must not hold the gate.
	cmd.WaitDelay = 100 * time.Millisecond
	err := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	if last := lastLine(out.String()); last != "" {
		return fmt.Errorf("%v: %s", err, last)
	}
	return err
}

// Close does nothing: ExecCheck keeps nothing between attempts.
func (c *ExecCheck) Close() error { return nil }

func probeEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		private := false
		for _, p := range privateEnv {
			private = private || name == p
		}
		if !private {
			out = append(out, kv)
		}
	}
	return out
}

// lastLine is the last non-empty line of s, cut to fit in STATUS=.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if len(last) > 120 {
		last = last[:120] + "…"
	}
	return last
}

// limitedWriter keeps the first n bytes and drops the rest without error,
// so a chatty probe cannot grow the gate's memory.
type limitedWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
