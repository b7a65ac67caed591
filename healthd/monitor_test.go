package healthd

import (
	"fmt"
	"github.com/bootstage/bootstage/config"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootstage/bootstage/healthd/spec"
)

// A component that goes down after READY shows up in STATUS= and the
// journal once per change, and comes back.
func TestFlappingAfterReady(t *testing.T) {
	leakCheck(t)
	s, x := newNotifySocket(t), newTarget(t)
	x.serveTCP()
	r, logs := start(t, gate(config.Block, 0, probe("a", "tcp", x.addr)), Options{})
	s.expect(t, "READY=1\nSTATUS=1/1 healthy")
	for range 3 {
		x.down()
		s.expect(t, "STATUS=0/1 healthy; a: connection refused")
		x.serveTCP()
		s.expect(t, "STATUS=1/1 healthy")
	}
	r.stop(t, s)
	e, ok := logs.find("a is unhealthy: connection refused")
	if !ok {
		t.Fatalf("no unhealthy entry in %q", logs.messages())
	}
	want := map[string]string{"STAGE": "s", "COMPONENT": "a", "UNIT": "a.service", "CHECK": "tcp", "ERROR": "connection refused"}
	if fmt.Sprint(e.fields) != fmt.Sprint(want) || e.pri != 4 {
		t.Errorf("entry: pri %d fields %v, want 4 %v", e.pri, e.fields, want)
	}
	n := 0
	for _, m := range logs.messages() {
		if strings.HasPrefix(m, "a is ") {
			n++
		}
	}
	if n != 7 { // healthy, then 3 × (unhealthy, healthy again)
		t.Errorf("%d health entries, want 7: %q", n, logs.messages())
	}
}

// Before READY, a component that was healthy and goes down again holds
// the gate.
func TestFlappingBeforeReady(t *testing.T) {
	leakCheck(t)
	s, a, b := newNotifySocket(t), newTarget(t), newTarget(t)
	a.serveTCP()
	r, _ := start(t, gate(config.Block, 0, probe("a", "tcp", a.addr), probe("b", "tcp", b.addr)), Options{})
	s.skipUntil(t, "STATUS=1/2 healthy; b: connection refused")
	a.down()
	s.expect(t, "STATUS=0/2 healthy; a: connection refused; b: connection refused")
	b.serveTCP()
	s.expect(t, "STATUS=1/2 healthy; a: connection refused")
	a.serveTCP()
	s.expect(t, "READY=1\nSTATUS=2/2 healthy")
	r.stop(t, s)
}

// One hanging target does not delay the verdict on the others.
func TestHangingDoesNotBlockOthers(t *testing.T) {
	leakCheck(t)
	s, a, b := newNotifySocket(t), newTarget(t), newTarget(t)
	a.hang()
	slow := probe("a", "http", "http://"+a.addr+"/")
	slow.Timeout = time.Hour
	r, _ := start(t, gate(config.Block, 0, slow, probe("b", "tcp", b.addr)), Options{})
	s.expect(t, "STATUS=0/2 healthy; a: checking; b: connection refused")
	b.serveTCP()
	s.expect(t, "STATUS=1/2 healthy; a: checking")
	r.stop(t, s) // also: a stop does not wait for the hour
}

// After threshold failures in a row the unit is restarted, and no more
// often than the rate limit allows.
func TestRestartOnUnhealthy(t *testing.T) {
	leakCheck(t)
	s, x := newNotifySocket(t), newTarget(t)
	x.serveTCP()
	p := probe("a", "tcp", x.addr)
	p.OnUnhealthy, p.Threshold = config.ActionRestart, 2
	bus := &fakeBus{states: map[string]string{}}
	r, logs := start(t, gate(config.Block, 0, p), Options{Bus: bus, RestartBurst: 2, RestartWindow: time.Hour})
	s.expect(t, "READY=1\nSTATUS=1/1 healthy")
	x.down()
	s.expect(t, "STATUS=0/1 healthy; a: connection refused")
	waitFor(t, func() bool { _, ok := logs.find("not restarting a.service"); return ok })
	r.stop(t, s)
	if got := bus.restarted(); !slices.Equal(got, []string{"a.service", "a.service"}) {
		t.Errorf("restarts %q, want two of a.service", got)
	}
	if e, _ := logs.find("restarting a.service after 2 failed checks"); e.fields["ERROR"] != "connection refused" {
		t.Errorf("restart entry: %+v", e)
	}
	if bus.closed {
		t.Error("the gate closed a bus it does not own")
	}
}

// A component that never fails is never restarted.
func TestNoRestartWhenHealthy(t *testing.T) {
	s, x := newNotifySocket(t), newTarget(t)
	x.serveTCP()
	p := probe("a", "tcp", x.addr)
	p.OnUnhealthy, p.Threshold = config.ActionRestart, 1
	bus := &fakeBus{states: map[string]string{}}
	r, _ := start(t, gate(config.Block, 0, p), Options{Bus: bus})
	s.expect(t, "READY=1\nSTATUS=1/1 healthy")
	s.quiet(t, 200*time.Millisecond)
	r.stop(t, s)
	if got := bus.restarted(); len(got) != 0 {
		t.Errorf("restarts %q", got)
	}
}

func TestSystemdCheck(t *testing.T) {
	leakCheck(t)
	s := newNotifySocket(t)
	bus := &fakeBus{states: map[string]string{"a.service": "activating"}}
	r, _ := start(t, gate(config.Block, 0, probe("a", "systemd", ""), probe("b", "none", "")), Options{Bus: bus})
	s.skipUntil(t, "STATUS=1/2 healthy; a: unit is activating")
	bus.set("a.service", "active")
	s.expect(t, "READY=1\nSTATUS=2/2 healthy")
	bus.set("a.service", "failed")
	s.expect(t, "STATUS=1/2 healthy; a: unit is failed")
	r.stop(t, s)
}

func TestNoProbes(t *testing.T) {
	s := newNotifySocket(t)
	r, _ := start(t, gate(config.Fail, time.Millisecond), Options{})
	s.expect(t, "READY=1\nSTATUS=0/0 healthy")
	s.quiet(t, 50*time.Millisecond)
	r.stop(t, s)
}

func TestWatchdog(t *testing.T) {
	s := newNotifySocket(t)
	r, _ := start(t, gate(config.Block, 0, probe("a", "none", "")), Options{Watchdog: 5 * time.Millisecond})
	s.skipUntil(t, "READY=1\nSTATUS=1/1 healthy")
	s.skipUntil(t, "WATCHDOG=1")
	s.skipUntil(t, "WATCHDOG=1")
	r.cancel()
	s.skipUntil(t, "STOPPING=1\nSTATUS=stopping")
}

// script writes an exec probe's shell script and returns its argv.
func script(t *testing.T, body string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "probe.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{path}
}

func execProbe(argv []string) spec.Probe {
	p := probe("a", "exec", "")
	p.Command = argv
	return p
}

// The probe passes only once the flag file exists and only if it does not
// see NOTIFY_SOCKET, which the test process has set.
func TestExecLate(t *testing.T) {
	leakCheck(t)
	s := newNotifySocket(t)
	flag := filepath.Join(t.TempDir(), "up")
	argv := script(t, `[ -z "$NOTIFY_SOCKET" ] || { echo "NOTIFY_SOCKET leaked"; exit 3; }
[ -e "$1" ] || { echo "not up yet" >&2; exit 1; }`)
	r, _ := start(t, gate(config.Block, 0, execProbe(append(argv, flag))), Options{})
	s.expect(t, "STATUS=0/1 healthy; a: exit status 1: not up yet")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.expect(t, "READY=1\nSTATUS=1/1 healthy")
	r.stop(t, s)
}

// A hanging command is killed with its whole process group.
func TestExecHanging(t *testing.T) {
	leakCheck(t)
	s := newNotifySocket(t)
	pids := filepath.Join(t.TempDir(), "pids")
	argv := script(t, `sleep 60 & echo $! >> "$1"; echo $$ >> "$1"; wait`)
	p := execProbe(append(argv, pids))
	p.Timeout = hangTimeout
	timeout := make(cue)
	r, _ := start(t, gate(config.Fail, stageTimeout, p), Options{stageTimer: timeout.timer})
	s.expect(t, "STATUS=0/1 healthy; a: no answer within 100ms")
	timeout.fire(t)
	s.expect(t, "STATUS=failed: stage s timed out after 500ms: 0/1 healthy; a: no answer within 100ms")
	r.result(t)
	data, _ := os.ReadFile(pids)
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		t.Fatal("the script never ran")
	}
	for _, f := range fields {
		pid, _ := strconv.Atoi(f)
		waitFor(t, func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH || isZombie(pid) })
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

func TestStatusTextListsAFew(t *testing.T) {
	r := &runner{gate: spec.Gate{Stage: "s"}}
	for i := range 7 {
		r.probes = append(r.probes, &probeState{Probe: spec.Probe{Component: fmt.Sprint("c", i)},
			known: i != 6, healthy: i == 0, reason: "connection refused"})
	}
	want := "1/7 healthy; c1: connection refused; c2: connection refused; c3: connection refused; c4: connection refused; and 2 more"
	if got := r.statusText(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestWaitDelay(t *testing.T) {
	for _, tc := range []struct{ failing, want time.Duration }{
		{0, 20 * time.Millisecond}, {time.Second, 40 * time.Millisecond},
		{10 * time.Second, 400 * time.Millisecond}, {time.Hour, time.Second},
	} {
		if got := waitDelay(tc.failing); got != tc.want {
			t.Errorf("waitDelay(%s) = %s, want %s", tc.failing, got, tc.want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNotifyFailureLoggedOnce(t *testing.T) {
	sent := make(chan string, 100)
	notify := func(s string) error { sent <- s; return fmt.Errorf("no socket") }
	r, logs := start(t, gate(config.Block, 0, probe("a", "none", "")), Options{Notify: notify, Watchdog: time.Millisecond})
	for range 5 {
		<-sent
	}
	r.cancel()
	r.result(t)
	n := 0
	for _, m := range logs.messages() {
		if strings.HasPrefix(m, "sd_notify failed") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d sd_notify failures logged, want 1", n)
	}
}
