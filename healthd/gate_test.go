package healthd

import (
	"errors"
	"fmt"
	"github.com/bootstage/bootstage/config"
	"sync/atomic"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/bootstage/bootstage/healthd/spec"
)

// stageTimeout is what tests that fire the timeout on cue tell the gate,
// and what its texts then say; hangTimeout bounds an attempt on a target
// that never answers; reaction is how long a test watches for a datagram
// that must not follow a fired timeout, far longer than the gate takes to
// act on one.
const (
	stageTimeout = 500 * time.Millisecond
	hangTimeout  = 100 * time.Millisecond
	reaction     = 100 * time.Millisecond
)

// A kind of target under test: how to make it healthy, and the probe.
type kind struct {
	check config.Check
	up    func(*target)
	probe func(*target) spec.Probe
}

var kinds = []kind{
	{config.CheckTCP, (*target).serveTCP, func(x *target) spec.Probe { return probe("a", "tcp", x.addr) }},
	{config.CheckHTTP, func(x *target) { x.serveHTTP(204) },
		func(x *target) spec.Probe { return probe("a", "http", "http://"+x.addr+"/healthz") }},
	{config.CheckGRPC, func(x *target) { x.serveGRPC("", healthpb.HealthCheckResponse_SERVING) },
		func(x *target) spec.Probe { return probe("a", "grpc", x.addr) }},
}

// A target that never becomes healthy, and the reason STATUS= gives.
type badTarget struct {
	name   string
	setup  func(*target)
	reason map[config.Check]string // by check; "" = healthy for that check
}

var badTargets = []badTarget{
	{"refusing", func(*target) {}, map[config.Check]string{
		"tcp": "connection refused", "http": "connection refused", "grpc": "connection refused"}},
	{"hanging", (*target).hang, map[config.Check]string{
		"tcp": "", "http": "no answer within 100ms", "grpc": "no answer within 100ms"}},
	// Not for tcp: whether connect() sees the reset is a race.
	{"resetting", (*target).reset, map[config.Check]string{
		"http": "connection closed by peer", "grpc": "connection closed by peer"}},
}

// The subtests of the target matrices run in parallel: most of their time
// is spent watching for datagrams that must not come.
func TestHealthyTarget(t *testing.T) {
	leakCheck(t)
	for _, k := range kinds {
		for _, policy := range config.OnTimeouts {
			t.Run(string(k.check)+"/"+string(policy), func(t *testing.T) {
				t.Parallel()
				s, x := listenNotify(t), newTarget(t)
				k.up(x)
				timeout := make(cue)
				r, logs := start(t, gate(policy, stageTimeout, k.probe(x)),
					Options{Notify: s.notify, stageTimer: timeout.timer})
				s.expect(t, "READY=1\nSTATUS=1/1 healthy")
				timeout.fire(t)
				s.quiet(t, reaction) // the timeout does nothing once open
				r.stop(t, s)
				if _, ok := logs.find("stage s is healthy"); !ok {
					t.Errorf("logs: %q", logs.messages())
				}
			})
		}
	}
}

func TestLateTarget(t *testing.T) {
	for _, k := range kinds {
		for _, policy := range config.OnTimeouts {
			t.Run(string(k.check)+"/"+string(policy), func(t *testing.T) {
				leakCheck(t)
				s, x := newNotifySocket(t), newTarget(t)
				r, logs := start(t, gate(policy, 10*time.Second, k.probe(x)), Options{})
				s.expect(t, "STATUS=0/1 healthy; a: connection refused")
				k.up(x)
				s.expect(t, "READY=1\nSTATUS=1/1 healthy")
				r.stop(t, s)
				want := []string{"waiting for 1 component(s) of stage s", "a is not healthy yet: connection refused",
					"a is healthy again", "stage s is healthy"}
				if got := logs.messages(); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("logs:\n got %q\nwant %q", got, want)
				}
			})
		}
	}
}

func TestBadTarget(t *testing.T) {
	leakCheck(t)
	for _, k := range kinds {
		for _, b := range badTargets {
			for _, policy := range config.OnTimeouts {
				t.Run(string(k.check)+"/"+b.name+"/"+string(policy), func(t *testing.T) {
					t.Parallel()
					s, x := listenNotify(t), newTarget(t)
					b.setup(x)
					p := k.probe(x)
					if b.name == "hanging" {
						p.Timeout = hangTimeout
					}
					timeout := make(cue)
					r, logs := start(t, gate(policy, stageTimeout, p), Options{Notify: s.notify, stageTimer: timeout.timer})
					reason, ok := b.reason[k.check]
					if !ok {
						t.Skip("not meaningful for this check")
					}
					if reason == "" { // only a connect: hanging and resetting servers accept
						s.expect(t, "READY=1\nSTATUS=1/1 healthy")
						r.stop(t, s)
						return
					}
					s.expect(t, "STATUS=0/1 healthy; a: "+reason)
					timeout.fire(t)
					switch policy {
					case config.Block:
						s.quiet(t, reaction)
						r.stop(t, s)
						if e, ok := logs.find("stage s is not healthy after 500ms, still waiting"); !ok || e.pri != 4 {
							t.Errorf("no warning in %q", logs.messages())
						}
					case config.Proceed:
						s.expect(t, "READY=1\nSTATUS=degraded: stage timed out after 500ms; 0/1 healthy; a: "+reason)
						r.stop(t, s)
						want := "stage s timed out after 500ms, proceeding degraded: 0/1 healthy; a: " + reason
						if e, ok := logs.find(want); !ok || e.pri != 4 || e.msg != want {
							t.Errorf("want the warning %q in %q", want, logs.messages())
						}
					case config.Fail:
						s.expect(t, "STATUS=failed: stage s timed out after 500ms: 0/1 healthy; a: "+reason)
						if err := r.result(t); !errors.Is(err, ErrTimedOut) {
							t.Fatalf("Run = %v, want ErrTimedOut", err)
						}
						s.quiet(t, 50*time.Millisecond)
					}
				})
			}
		}
	}
}

// Options.Opened is called once when the gate opens, whether all are
// healthy or the timeout lets the stage proceed, and never while it waits.
func TestOpenedHook(t *testing.T) {
	for _, tc := range []struct {
		policy  config.OnTimeout
		healthy bool
		want    int32
	}{
		{config.Block, true, 1}, {config.Proceed, false, 1}, {config.Block, false, 0}, {config.Fail, false, 0},
	} {
		t.Run(fmt.Sprint(tc.policy, "/healthy=", tc.healthy), func(t *testing.T) {
			t.Parallel()
			s, x := listenNotify(t), newTarget(t)
			if tc.healthy {
				x.serveTCP()
			}
			var calls atomic.Int32
			r, _ := start(t, gate(tc.policy, 100*time.Millisecond, probe("a", "tcp", x.addr)),
				Options{Notify: s.notify, Opened: func() { calls.Add(1) }})
			time.Sleep(400 * time.Millisecond) // past the timeout, many results
			r.cancel()
			r.result(t)
			if got := calls.Load(); got != tc.want {
				t.Errorf("Opened called %d times, want %d", got, tc.want)
			}
		})
	}
}
