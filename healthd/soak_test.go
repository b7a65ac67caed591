package healthd

import (
	"github.com/bootstage/bootstage/config"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Many monitoring cycles of every network check, with targets going down
// and up, leave the gate's goroutines and file descriptors where they
// were: what would leak over hours leaks a little every cycle.
func TestNoLeakOverCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	leakCheck(t)
	s := newNotifySocket(t)
	tcp, web, rpc := newTarget(t), newTarget(t), newTarget(t)
	flag := filepath.Join(t.TempDir(), "up")
	up := func() {
		tcp.serveTCP()
		web.serveHTTP(200)
		rpc.serveGRPC("", healthpb.HealthCheckResponse_SERVING)
		os.WriteFile(flag, nil, 0o644)
	}
	down := func() {
		tcp.down()
		web.down()
		rpc.down()
		os.Remove(flag)
	}
	up()
	ex := execProbe([]string{"/bin/sh", "-c", `test -e "$0"`, flag})
	ex.Component = "d"
	g := gate(config.Block, 0, probe("a", "tcp", tcp.addr), probe("b", "http", "http://"+web.addr+"/"),
		probe("c", "grpc", rpc.addr), ex)
	// A cycle lasts about two intervals, the time the gate takes to see
	// the targets go down and come back: a short interval makes the
	// cycles, not the waits between attempts, the cost of the test.
	for i := range g.Probes {
		g.Probes[i].Interval = 5 * time.Millisecond
	}
	r, _ := start(t, g, Options{})
	s.skipUntil(t, "READY=1\nSTATUS=4/4 healthy")
	var goroutines, fds int
	for i := range 30 {
		down()
		s.skipUntil(t, "STATUS=0/4 healthy; a: connection refused; b: connection refused; c: connection refused; d: exit status 1")
		up()
		s.skipUntil(t, "STATUS=4/4 healthy")
		if i == 4 { // the lowest of a few samples: the settled state
			goroutines, fds = settled(t, 1<<30, 1<<30)
			for range 10 {
				time.Sleep(20 * time.Millisecond)
				goroutines, fds = min(goroutines, runtime.NumGoroutine()), min(fds, openFDs(t))
			}
		}
	}
	// The test's servers share the process: their side of connections the
	// gate closed goes away a little later, so wait for the counts to
	// settle rather than sample them once.
	g2, f2 := settled(t, goroutines+3, fds+3)
	t.Logf("cycle 5: %d goroutines, %d fds; cycle 30: %d, %d", goroutines, fds, g2, f2)
	r.stop(t, s)
}

// settled waits until the goroutine and fd counts are at most the given
// ones, and fails the test if they never are.
func settled(t *testing.T, maxG, maxFD int) (int, int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		g, f := runtime.NumGoroutine(), openFDs(t)
		if g <= maxG && f <= maxFD {
			return g, f
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d goroutines (want <= %d), %d fds (want <= %d)", g, maxG, f, maxFD)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
