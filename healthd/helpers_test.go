package healthd

import (
	"context"
	"errors"
	"github.com/bootstage/bootstage/config"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/bootstage/bootstage/healthd/spec"
)

// wait bounds how long a test waits for something that should happen; it
// is a hang guard, never a speed assertion.
const wait = 10 * time.Second

// notifySocket is a real unixgram NOTIFY_SOCKET that records datagrams.
type notifySocket struct {
	path string
	conn *net.UnixConn
	msgs chan string
}

// newNotifySocket listens on a notify socket and points NOTIFY_SOCKET at
// it, so that the gate reports through its default sd_notify.
func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	s := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", s.path)
	return s
}

// listenNotify listens on a notify socket and leaves the environment
// alone, for parallel tests: they pass s.notify as Options.Notify.
func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	s := &notifySocket{path: path, conn: conn, msgs: make(chan string, 1000)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			s.msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return s
}

// notify sends state to s in one datagram of its own, as sd_notify does.
func (s *notifySocket) notify(state string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err
}

// expect asserts that the next datagrams are exactly want, in order.
func (s *notifySocket) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		select {
		case got := <-s.msgs:
			if got != w {
				t.Fatalf("datagram %d: got %q, want %q", i, got, w)
			}
		case <-time.After(wait):
			t.Fatalf("datagram %d: nothing within %s, want %q", i, wait, w)
		}
	}
}

// skipUntil drops datagrams until one equals want.
func (s *notifySocket) skipUntil(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case got := <-s.msgs:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("never got %q", want)
		}
	}
}

// quiet asserts that no datagram arrives for d.
func (s *notifySocket) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-s.msgs:
		t.Fatalf("unexpected datagram %q", got)
	case <-time.After(d):
	}
}

type logEntry struct {
	pri    journal.Priority
	msg    string
	fields map[string]string
}

// logRecorder is a Logger that keeps entries.
type logRecorder struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *logRecorder) Log(pri journal.Priority, msg string, fields map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logEntry{pri, msg, fields})
}

func (l *logRecorder) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.entries {
		out = append(out, e.msg)
	}
	return out
}

func (l *logRecorder) find(prefix string) (logEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.entries {
		if strings.HasPrefix(e.msg, prefix) {
			return e, true
		}
	}
	return logEntry{}, false
}

// fakeBus is a UnitBus with settable states that records restarts.
type fakeBus struct {
	mu       sync.Mutex
	states   map[string]string
	restarts []string
	closed   bool
}

func (b *fakeBus) ActiveState(_ context.Context, unit string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.states[unit]; ok {
		return s, nil
	}
	return "", errors.New("unit not loaded")
}

func (b *fakeBus) RestartUnit(_ context.Context, unit string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.restarts = append(b.restarts, unit)
	return nil
}

func (b *fakeBus) set(unit, state string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.states[unit] = state
}

func (b *fakeBus) restarted() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.restarts...)
}

func (b *fakeBus) Close() error { b.closed = true; return nil }

// running is a gate started by start.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// start runs the gate in the background; Options without a Log or
// Watchdog get a recorder and no watchdog.
func start(t *testing.T, g spec.Gate, opt Options) (*running, *logRecorder) {
	t.Helper()
	if err := g.Validate(); err != nil {
		t.Fatalf("test gate: %v", err)
	}
	logs := &logRecorder{}
	if opt.Log == nil {
		opt.Log = logs
	}
	if opt.Watchdog == 0 {
		opt.Watchdog = -1
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- Run(ctx, g, opt) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r, logs
}

// result waits for Run to return.
func (r *running) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(wait):
		t.Fatal("gate did not return")
		return nil
	}
}

// stop sends the equivalent of SIGTERM and expects a clean exit.
func (r *running) stop(t *testing.T, s *notifySocket) {
	t.Helper()
	r.cancel()
	s.expect(t, "STOPPING=1\nSTATUS=stopping")
	if err := r.result(t); err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
}

// cue is a stage timeout that fires when the test says, rather than
// after the stage's Timeout: pass its timer as Options.stageTimer. The
// gate still reads the Timeout it was given, so what it says about the
// timeout ("after 500ms") is unchanged.
type cue chan time.Time

func (c cue) timer(time.Duration) (<-chan time.Time, func() bool) {
	return c, func() bool { return true }
}

// fire times the stage out; it returns once the gate has taken the
// timeout, so what the gate does about it is under way.
func (c cue) fire(t *testing.T) {
	t.Helper()
	select {
	case c <- time.Now():
	case <-time.After(wait):
		t.Fatal("the gate never took the stage timeout")
	}
}

// probe is a spec.Probe with a short interval and a generous attempt
// timeout, so that a slow machine (or -race) never turns a healthy answer
// into a timeout; tests of hanging targets shorten it.
func probe(name string, check config.Check, target string) spec.Probe {
	return spec.Probe{Component: name, Unit: name + ".service", Check: check, Target: target,
		Interval: 20 * time.Millisecond, Timeout: 5 * time.Second, Threshold: spec.DefaultThreshold}
}

func gate(policy config.OnTimeout, timeout time.Duration, probes ...spec.Probe) spec.Gate {
	return spec.Gate{Stage: "s", Timeout: timeout, OnTimeout: policy, Probes: probes}
}

// leakCheck fails the test if goroutines or file descriptors outlive it
// and its subtests. The counts are the whole process's: a test whose
// subtests run in parallel checks them all at once, in the parent.
func leakCheck(t *testing.T) {
	t.Helper()
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for {
			g, f := runtime.NumGoroutine(), openFDs(t)
			if g <= goroutines && f <= fds {
				return
			}
			if time.Now().After(deadline) {
				// Errorf: after parallel subtests, a FailNow in a
				// Cleanup loses the message unless -v (go.dev/issue/76447).
				buf := make([]byte, 1<<20)
				t.Errorf("leak: goroutines %d -> %d, fds %d -> %d\n%s", goroutines, g, fds, f, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
