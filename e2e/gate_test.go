package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// TestGate is issue 3's end-to-end test: bootstage-healthd as the gate of
// each stage under a real systemd, one machine per scenario, each with its
// own config tree from testdata/gate. Every verdict is systemd's own record
// (monotonic timestamps, ActiveState, Result, StatusText, the journal).
func TestGate(t *testing.T) {
	harness.Require(t)
	bin := harness.Tree(t, "") // built once, installed in every machine
	t.Run("late service holds the next stage", func(t *testing.T) { gateLate(t, bootGate(t, bin, "late")) })
	t.Run("block waits for ever", func(t *testing.T) { gateBlock(t, bootGate(t, bin, "block")) })
	t.Run("proceed opens degraded at the timeout", func(t *testing.T) { gateProceed(t, bootGate(t, bin, "proceed")) })
	t.Run("fail keeps the next stage down", func(t *testing.T) { gateFail(t, bootGate(t, bin, "fail")) })
	t.Run("monitoring after boot", func(t *testing.T) { gateMonitor(t, bootGate(t, bin, "monitor")) })
}

// bootGate boots a machine for t with the binaries of bin and the config
// tree testdata/gate/NAME as /etc/bootstage, generated and loaded.
func bootGate(t *testing.T, bin, name string) *harness.Machine {
	t.Helper()
	m := harness.Boot(t, harness.Options{})
	m.MustInstall(bin)
	m.MustInstall(configTree(t, name))
	m.DaemonReload()
	return m
}

// configTree is a DESTDIR holding testdata/gate/NAME at etc/bootstage.
func configTree(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, harness.ConfigDir)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("testdata", "gate", name))); err != nil {
		t.Fatalf("copy config tree %s: %v", name, err)
	}
	return dir
}

// startAll starts bootstage.target and waits for the start job, which
// succeeds once every stage target is active.
func startAll(t *testing.T, m *harness.Machine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "start", "bootstage.target"); err != nil {
		t.Fatalf("start bootstage.target: %v\n%s", err, out)
	}
}

// gateLate: stage first's service is active at once but opens its port
// 3 s later. Its gate may be READY only after the port opened, and stage
// second may begin only after that READY.
func gateLate(t *testing.T, m *harness.Machine) {
	const gate, next = "bootstage-first-gate.service", "next.service"
	startAll(t, m)

	opened := journalMonotonic(t, m, "late.service", "late: opening port")
	lateActive := monotonic(t, m, "late.service", "ActiveEnterTimestampMonotonic")
	ready := monotonic(t, m, gate, "ActiveEnterTimestampMonotonic")
	target := monotonic(t, m, "bootstage-first.target", "ActiveEnterTimestampMonotonic")
	nextBegan := monotonic(t, m, next, "InactiveExitTimestampMonotonic")
	nextActive := monotonic(t, m, next, "ActiveEnterTimestampMonotonic")
	t.Logf("late.service active %s, port opened %s, gate READY %s, next.service began %s",
		relMono(lateActive, lateActive), relMono(opened, lateActive), relMono(ready, lateActive), relMono(nextBegan, lateActive))

	// Without this the scenario would prove nothing: the unit must be
	// active well before it can answer.
	if lateActive >= opened {
		t.Fatalf("late.service became active at %dµs, not before its port opened at %dµs", lateActive, opened)
	}
	if ready <= opened {
		t.Errorf("%s READY at %dµs, before late.service opened its port at %dµs", gate, ready, opened)
	}
	if target < ready {
		t.Errorf("bootstage-first.target active at %dµs, before its gate's READY at %dµs", target, ready)
	}
	if nextBegan < ready || nextActive < ready {
		t.Errorf("%s began at %dµs and was active at %dµs, not after %s READY at %dµs", next, nextBegan, nextActive, gate, ready)
	}
	if st := m.Property(gate, "StatusText"); st != "1/1 healthy" {
		t.Errorf("%s StatusText = %q, want %q", gate, st, "1/1 healthy")
	}
	wantJournal(t, m, gate, "late is not healthy yet: ", "late is healthy", "stage first is healthy")
	for _, u := range []string{"late.service", next, "bootstage-second-gate.service", "bootstage.target"} {
		if s := m.Property(u, "ActiveState"); s != "active" {
			t.Errorf("%s is %s, want active", u, s)
		}
	}
}

// gateBlock: stage stuck never becomes healthy, on_timeout = "block",
// timeout 2 s. Long after the timeout the gate still waits, says why, and
// the next stage's unit has not begun.
func gateBlock(t *testing.T, m *harness.Machine) {
	const gate = "bootstage-stuck-gate.service"
	m.MustRun("systemctl", "start", "--no-block", "bootstage.target")
	err := harness.Eventually(20*time.Second, func() error {
		return journalHas(m, gate, "stage stuck is not healthy after 2s, still waiting (on-timeout block)")
	})
	if err != nil {
		t.Fatal(err)
	}
	// Hold on past the warning: at least 2.5 times the stage timeout in all.
	time.Sleep(3 * time.Second)
	began := monotonic(t, m, gate, "InactiveExitTimestampMonotonic")
	now := machineMonotonic(t, m)
	t.Logf("%s has waited %s (timeout 2s)", gate, time.Duration(now-began)*time.Microsecond)

	wantProps(t, m, gate, map[string]string{"ActiveState": "activating", "SubState": "start"})
	st := m.Property(gate, "StatusText")
	t.Logf("%s StatusText: %q", gate, st)
	if !strings.HasPrefix(st, "0/1 healthy; never: ") || strings.HasSuffix(st, ": checking") {
		t.Errorf("%s StatusText = %q, want it to name never and why it is unhealthy", gate, st)
	}
	if s := m.Property("bootstage-stuck.target", "ActiveState"); s == "active" {
		t.Errorf("bootstage-stuck.target is active while its gate still waits")
	}
	neverBegan(t, m, "after.service")
	if jobs := m.MustRun("systemctl", "list-jobs", "--no-legend", "after.service"); !strings.Contains(jobs, "waiting") {
		t.Errorf("after.service has no waiting start job:\n%s", jobs)
	}
}

// gateProceed: stage slow never becomes healthy, on_timeout = "proceed",
// timeout 3 s. The gate goes READY at the timeout, degraded, with a
// warning; stage after starts after that READY.
func gateProceed(t *testing.T, m *harness.Machine) {
	const gate = "bootstage-slow-gate.service"
	startAll(t, m)

	began := monotonic(t, m, gate, "InactiveExitTimestampMonotonic")
	ready := monotonic(t, m, gate, "ActiveEnterTimestampMonotonic")
	afterBegan := monotonic(t, m, "after.service", "InactiveExitTimestampMonotonic")
	t.Logf("%s READY %s after it began; after.service began %s after it",
		gate, time.Duration(ready-began)*time.Microsecond, time.Duration(afterBegan-began)*time.Microsecond)
	if d := time.Duration(ready-began) * time.Microsecond; d < 3*time.Second {
		t.Errorf("%s READY %s after it began, before its 3s timeout", gate, d)
	}
	if afterBegan < ready {
		t.Errorf("after.service began at %dµs, before %s READY at %dµs", afterBegan, gate, ready)
	}
	wantProps(t, m, gate, map[string]string{"ActiveState": "active", "SubState": "running"})
	st := m.Property(gate, "StatusText")
	t.Logf("%s StatusText: %q", gate, st)
	if !strings.HasPrefix(st, "degraded: stage timed out after 3s; 0/1 healthy; never: ") {
		t.Errorf("%s StatusText = %q, want the degraded text naming never", gate, st)
	}
	if status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "0", gate); !strings.Contains(status, `Status: "degraded: stage timed out after 3s`) {
		t.Errorf("systemctl status %s lacks the degraded status:\n%s", gate, status)
	}
	wantJournal(t, m, gate, "stage slow timed out after 3s, proceeding degraded: ")
	if j := m.Journal(gate); strings.Contains(j, "degraded: degraded:") {
		t.Errorf("the timeout warning of %s says degraded twice:\n%s", gate, j)
	}
	if p := journalPriority(t, m, gate, "proceeding degraded"); p != "4" {
		t.Errorf("the timeout entry of %s has PRIORITY=%s, want 4 (warning)", gate, p)
	}
	for _, u := range []string{"after.service", "bootstage-after.target", "bootstage-slow.target", "bootstage.target"} {
		if s := m.Property(u, "ActiveState"); s != "active" {
			t.Errorf("%s is %s, want active", u, s)
		}
	}
}

// gateFail: stage strict never becomes healthy, on_timeout = "fail",
// timeout 3 s. The gate fails, its stage target's start fails with
// "dependency", and the next stage's unit, which Requires= it, never runs.
func gateFail(t *testing.T, m *harness.Machine) {
	const gate, target = "bootstage-strict-gate.service", "bootstage-strict.target"
	m.MustRun("systemctl", "start", "--no-block", "bootstage.target")
	m.WaitProperty(gate, "ActiveState", "failed", 20*time.Second)

	wantProps(t, m, gate, map[string]string{"Result": "exit-code", "NRestarts": "0"})
	t.Logf("%s: ExecMainStatus=%s StatusText=%q", gate, m.Property(gate, "ExecMainStatus"), m.Property(gate, "StatusText"))
	wantJournal(t, m, gate, "stage strict timed out after 3s: 0/1 healthy; never: ")
	err := harness.Eventually(10*time.Second, func() error {
		if r := jobResult(t, m, target); r != "dependency" {
			return fmt.Errorf("%s: start job result %q, want dependency", target, r)
		}
		if r := jobResult(t, m, "after.service"); r != "dependency" {
			return fmt.Errorf("after.service: start job result %q, want dependency", r)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if s := m.Property(target, "ActiveState"); s == "active" {
		t.Errorf("%s is active although its gate failed", target)
	}
	neverBegan(t, m, "after.service")
	t.Run("later stages stay down", func(t *testing.T) { failedChain(t, m) })
}

// failedChain: once stage strict failed, no stage behind it may come up.
// Stage after's own gate (timeout 3s, proceed) must not open it with none
// of its units running, and so let stage last start. Checked after twice
// that gate's timeout has passed since strict's gate failed.
func failedChain(t *testing.T, m *harness.Machine) {
	const next = "bootstage-after-gate.service"
	failed := monotonic(t, m, "bootstage-strict-gate.service", "InactiveEnterTimestampMonotonic")
	err := harness.Eventually(15*time.Second, func() error {
		if now := machineMonotonic(t, m); now < failed+6_000_000 {
			return fmt.Errorf("only %s since stage strict failed", time.Duration(now-failed)*time.Microsecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s/%s StatusText=%q", next, m.Property(next, "ActiveState"), m.Property(next, "SubState"), m.Property(next, "StatusText"))
	for _, u := range []string{"bootstage-after.target", "bootstage-last.target", "bootstage.target"} {
		if s := m.Property(u, "ActiveState"); s == "active" {
			at := monotonic(t, m, u, "ActiveEnterTimestampMonotonic")
			t.Errorf("%s became active %s after stage strict failed", u, time.Duration(at-failed)*time.Microsecond)
		}
	}
	neverBegan(t, m, "after.service")
	neverBegan(t, m, "last.service")
}

// gateMonitor: after the gate opened it keeps probing every second. A
// killed service it may not restart shows as unhealthy in its status; a
// service whose server died inside a running unit is restarted over D-Bus
// after two failed checks.
func gateMonitor(t *testing.T, m *harness.Machine) {
	const gate = "bootstage-watched-gate.service"
	startAll(t, m)
	if st := m.Property(gate, "StatusText"); st != "2/2 healthy" {
		t.Fatalf("%s StatusText = %q after the start, want 2/2 healthy", gate, st)
	}

	m.MustRun("podman", "kill", "frail")
	err := harness.Eventually(10*time.Second, func() error {
		if st := m.Property(gate, "StatusText"); !strings.HasPrefix(st, "1/2 healthy; frail: ") {
			return fmt.Errorf("%s StatusText = %q, want frail unhealthy", gate, st)
		}
		return journalHas(m, gate, "frail is unhealthy: ")
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after podman kill frail: frail.service %s/%s, %s StatusText %q",
		m.Property("frail.service", "ActiveState"), m.Property("frail.service", "Result"), gate, m.Property(gate, "StatusText"))

	victimRestarted(t, m, gate)

	// Nobody may have restarted frail: no on_unhealthy, restart = "no".
	if st := m.Property(gate, "StatusText"); !strings.HasPrefix(st, "1/2 healthy; frail: ") {
		t.Errorf("%s StatusText = %q at the end, want frail still unhealthy and victim healthy", gate, st)
	}
	if j := m.Journal(gate); strings.Contains(j, "restarting frail.service") {
		t.Errorf("%s restarted frail.service, which has no on_unhealthy:\n%s", gate, j)
	}
}

// victimRestarted kills victim's httpd inside its container (the unit stays
// active, so systemd sees nothing wrong) and waits for the gate to see it
// unhealthy and restart the unit: a new InvocationID, and the journal says so.
func victimRestarted(t *testing.T, m *harness.Machine, gate string) {
	t.Helper()
	before := m.Property("victim.service", "InvocationID")
	m.MustRun("podman", "exec", "victim", "killall", "httpd")
	sawUnhealthy := ""
	err := harness.Eventually(20*time.Second, func() error {
		if st := m.Property(gate, "StatusText"); strings.Contains(st, "victim: ") {
			sawUnhealthy = st
		}
		if id := m.Property("victim.service", "InvocationID"); id == before || id == "" {
			return fmt.Errorf("victim.service still has InvocationID %s", before)
		}
		return journalHas(m, gate, "restarting victim.service after 2 failed checks", "victim is healthy again")
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("victim.service InvocationID %s -> %s, NRestarts=%s, %s StatusText while down: %q",
		before, m.Property("victim.service", "InvocationID"), m.Property("victim.service", "NRestarts"), gate, sawUnhealthy)
	wantJournal(t, m, gate, "victim is unhealthy: ")
	if sawUnhealthy == "" {
		t.Errorf("%s StatusText never named victim while it was down", gate)
	}
	wantProps(t, m, "victim.service", map[string]string{"ActiveState": "active"})
	if n := strings.Count(m.Journal("victim.service"), "victim: serving"); n != 2 {
		t.Errorf("victim.service's journal shows %d container starts, want 2", n)
	}
}

// neverBegan fails t unless unit never left inactive in this boot.
func neverBegan(t *testing.T, m *harness.Machine, unit string) {
	t.Helper()
	if s, ts := m.Property(unit, "ActiveState"), m.Property(unit, "InactiveExitTimestampMonotonic"); s != "inactive" || ts != "0" {
		status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "10", unit)
		t.Errorf("%s is %s and left inactive at %sµs, want never started:\n%s", unit, s, ts, status)
	}
}

func wantProps(t *testing.T, m *harness.Machine, unit string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := m.Property(unit, k); got != v {
			status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "10", unit)
			t.Errorf("%s %s = %q, want %q:\n%s", unit, k, got, v, status)
		}
	}
}

// journalHas says whether `journalctl -u UNIT -o cat` holds every text.
func journalHas(m *harness.Machine, unit string, texts ...string) error {
	j := m.Journal(unit)
	for _, s := range texts {
		if !strings.Contains(j, s) {
			return fmt.Errorf("journalctl -u %s lacks %q:\n%s", unit, s, j)
		}
	}
	return nil
}

func wantJournal(t *testing.T, m *harness.Machine, unit string, texts ...string) {
	t.Helper()
	if err := journalHas(m, unit, texts...); err != nil {
		t.Error(err)
	}
}

// journalEntries is the unit's journal of this boot, every field of every
// entry (string fields only).
func journalEntries(t *testing.T, m *harness.Machine, unit string) []map[string]any {
	t.Helper()
	out := m.MustRun("journalctl", "-b", "--no-pager", "-o", "json", "-u", unit)
	var entries []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("journalctl -o json -u %s: %v in %q", unit, err, l)
		}
		entries = append(entries, e)
	}
	return entries
}

// journalField is FIELD of the unit's first journal entry whose MESSAGE
// contains text, or "".
func journalField(t *testing.T, m *harness.Machine, unit, text, field string) string {
	t.Helper()
	for _, e := range journalEntries(t, m, unit) {
		if msg, _ := e["MESSAGE"].(string); strings.Contains(msg, text) {
			v, _ := e[field].(string)
			return v
		}
	}
	return ""
}

// journalMonotonic is when journald received the unit's first line
// containing text, on the clock of systemd's *TimestampMonotonic. It waits
// a while for the line: a test must not fail here merely because a gate
// opened too early.
func journalMonotonic(t *testing.T, m *harness.Machine, unit, text string) uint64 {
	t.Helper()
	var n uint64
	err := harness.Eventually(10*time.Second, func() error {
		v := journalField(t, m, unit, text, "__MONOTONIC_TIMESTAMP")
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			return fmt.Errorf("journalctl -u %s: no line %q with a monotonic timestamp:\n%s", unit, text, m.Journal(unit))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func journalPriority(t *testing.T, m *harness.Machine, unit, text string) string {
	t.Helper()
	return journalField(t, m, unit, text, "PRIORITY")
}

// jobResult is JOB_RESULT of systemd's last job-done entry for unit.
func jobResult(t *testing.T, m *harness.Machine, unit string) string {
	t.Helper()
	r := ""
	for _, e := range journalEntries(t, m, unit) {
		if v, ok := e["JOB_RESULT"].(string); ok {
			r = v
		}
	}
	return r
}

// machineMonotonic is the machine's uptime in µs: CLOCK_BOOTTIME, which is
// the clock of systemd's *TimestampMonotonic as long as the host never
// suspended (nspawn shares the host's clocks). Only for logs.
func machineMonotonic(t *testing.T, m *harness.Machine) uint64 {
	t.Helper()
	out := m.MustRun("cat", "/proc/uptime")
	f := strings.Fields(out)
	if len(f) == 0 {
		t.Fatalf("/proc/uptime: %q", out)
	}
	s, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		t.Fatalf("/proc/uptime: %q: %v", out, err)
	}
	return uint64(s * 1e6)
}

// relMono formats a monotonic timestamp relative to zero, for logs.
func relMono(ts, zero uint64) string {
	return fmt.Sprintf("+%s", time.Duration(int64(ts)-int64(zero))*time.Microsecond)
}
