package healthd

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/bootstage/bootstage/healthd/spec"
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
	g := gate(spec.Block, 0, probe("a", "tcp", tcp.addr), probe("b", "http", "http://"+web.addr+"/"),
		probe("c", "grpc", rpc.addr), ex)
	r, _ := start(t, g, Options{})
	s.skipUntil(t, "READY=1\nSTATUS=4/4 healthy")
	var goroutines, fds []int
	for i := range 30 {
		down()
		s.skipUntil(t, "STATUS=0/4 healthy; a: connection refused; b: connection refused; c: connection refused; d: exit status 1")
		up()
		s.skipUntil(t, "STATUS=4/4 healthy")
		if i == 4 || i == 29 {
			// Let a few healthy cycles run so pooled connections settle.
			for range 5 {
				s.quiet(t, 2*g.Probes[0].Interval)
			}
			goroutines, fds = append(goroutines, runtime.NumGoroutine()), append(fds, openFDs(t))
		}
	}
	r.stop(t, s)
	if goroutines[1] > goroutines[0]+3 || fds[1] > fds[0]+3 {
		t.Errorf("growth between cycle 5 and 30: goroutines %v, fds %v", goroutines, fds)
	}
	t.Logf("goroutines %v, fds %v", goroutines, fds)
}
