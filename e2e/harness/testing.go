package harness

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// failer is the part of testing.TB the must-helpers use.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// Enabled reports whether e2e tests are asked for: BOOTSTAGE_E2E set to
// anything but "" or "0".
func Enabled() bool {
	v := os.Getenv("BOOTSTAGE_E2E")
	return v != "" && v != "0"
}

// Require skips t unless e2e tests are enabled. When they are, a missing
// prerequisite fails t: CI must never go green by skipping.
func Require(t testing.TB) {
	t.Helper()
	skip, err := prerequisites()
	if skip != "" {
		t.Skip(skip)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// prerequisites says why e2e tests skip ("" when they run), or what is
// missing when they were asked for.
func prerequisites() (skip string, err error) {
	if !Enabled() {
		return "e2e test: set BOOTSTAGE_E2E=1 and run as root (make check does)", nil
	}
	if err := checkHost(); err != nil {
		return "", fmt.Errorf("BOOTSTAGE_E2E is set but: %w", err)
	}
	return "", nil
}

// Boot starts a machine for t (see Require for when it skips), and powers
// it off when t ends. When t has failed by then, t's log gets the
// machine's failed units and the end of its journal first.
func Boot(t testing.TB, o Options) *Machine {
	t.Helper()
	Require(t)
	if o.Logf == nil {
		o.Logf = t.Logf
	}
	m, err := Start(o)
	if err != nil {
		t.Fatalf("boot e2e machine: %v", err)
	}
	m.tb = t
	t.Cleanup(func() {
		if t.Failed() {
			m.dumpState(t)
		}
		if err := m.Close(); err != nil {
			t.Errorf("close e2e machine: %v", err)
		}
	})
	return m
}

func (m *Machine) dumpState(t testing.TB) {
	failed, _ := m.Run("systemctl", "--failed", "--no-legend")
	journal, _ := m.Run("journalctl", "-b", "--no-pager", "-n", "150", "-o", "short-monotonic")
	t.Logf("machine state at failure:\n--- systemctl --failed\n%s\n--- journalctl -b -n 150\n%s", failed, journal)
}

// must fails the test of a Boot machine; a Start machine panics, as it
// has no test to fail.
func (m *Machine) must(out string, err error) string {
	if err == nil {
		return out
	}
	if m.tb == nil {
		panic(err.Error() + "\n" + out)
	}
	m.tb.Helper()
	m.tb.Fatalf("%v\n%s", err, out)
	return out
}

// MustRun is Run that fails the test on a non-zero exit.
func (m *Machine) MustRun(argv ...string) string {
	if m.tb != nil {
		m.tb.Helper()
	}
	return m.must(m.Run(argv...))
}

// MustShell is Shell that fails the test on a non-zero exit.
func (m *Machine) MustShell(script string) string {
	if m.tb != nil {
		m.tb.Helper()
	}
	return m.must(m.Shell(script))
}

// MustInstall is Install that fails the test on error.
func (m *Machine) MustInstall(destdir string) {
	if m.tb != nil {
		m.tb.Helper()
	}
	err := m.Install(destdir)
	m.must("", err)
}

// DaemonReload runs `systemctl daemon-reload` (generators included) and
// fails the test if it fails.
func (m *Machine) DaemonReload() {
	if m.tb != nil {
		m.tb.Helper()
	}
	m.MustRun("systemctl", "daemon-reload")
}

// Property is `systemctl show -P NAME UNIT`, trimmed.
func (m *Machine) Property(unit, name string) string {
	if m.tb != nil {
		m.tb.Helper()
	}
	return strings.TrimSpace(m.MustRun("systemctl", "show", "-P", name, unit))
}

// Journal is the unit's journal of this boot, message text only.
func (m *Machine) Journal(unit string) string {
	out, _ := m.Run("journalctl", "-b", "--no-pager", "-o", "cat", "-u", unit)
	return out
}

// Eventually retries f every 100 ms until it returns nil or timeout
// passes, and returns f's last error.
func Eventually(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitProperty waits until `systemctl show -P NAME UNIT` is want, and
// fails the test with the unit's status if it is not within timeout.
// For units started with --no-block, e.g. a gate that waits for health.
func (m *Machine) WaitProperty(unit, name, want string, timeout time.Duration) {
	if m.tb != nil {
		m.tb.Helper()
	}
	var got string
	err := Eventually(timeout, func() error {
		out, err := m.Run("systemctl", "show", "-P", name, unit)
		if got = strings.TrimSpace(out); err == nil && got == want {
			return nil
		}
		return fmt.Errorf("%s %s = %q, want %q", unit, name, got, want)
	})
	if err != nil {
		status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "20", unit)
		m.must(status, err)
	}
}
