package healthd

import (
	"net"
	"net/http"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// target is a local server on a fixed loopback address that a test turns
// into a healthy, hanging, resetting or absent (refusing) target at will.
type target struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	stop func()
}

func newTarget(t *testing.T) *target {
	x := &target{t: t, addr: holdPort(t)}
	t.Cleanup(x.down)
	return x
}

func (x *target) listen() net.Listener {
	x.down()
	l, err := listenReuse(x.addr)
	if err != nil {
		x.t.Fatalf("listen on %s again: %v", x.addr, err)
	}
	return l
}

func (x *target) set(stop func()) {
	x.mu.Lock()
	x.stop = stop
	x.mu.Unlock()
}

// down closes the server and every connection it holds: the address
// refuses connections.
func (x *target) down() {
	x.mu.Lock()
	stop := x.stop
	x.stop = nil
	x.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// acceptLoop accepts until the listener closes, handing each connection
// to handle; stop closes the listener and every held connection.
func (x *target) acceptLoop(l net.Listener, handle func(net.Conn, *connSet)) {
	held := &connSet{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			handle(c, held)
		}
	}()
	x.set(func() { l.Close(); wg.Wait(); held.closeAll() })
}

type connSet struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *connSet) add(c net.Conn) { s.mu.Lock(); s.conns = append(s.conns, c); s.mu.Unlock() }
func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// serveTCP accepts and closes connections.
func (x *target) serveTCP() {
	x.acceptLoop(x.listen(), func(c net.Conn, _ *connSet) { c.Close() })
}

// hang accepts connections and never answers.
func (x *target) hang() {
	x.acceptLoop(x.listen(), func(c net.Conn, held *connSet) { held.add(c) })
}

// reset accepts connections and resets them at once.
func (x *target) reset() {
	x.acceptLoop(x.listen(), func(c net.Conn, _ *connSet) {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
}

// serveHTTP answers every request with status.
func (x *target) serveHTTP(status int) {
	x.serveHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	}))
}

// serveHandler serves HTTP with h.
func (x *target) serveHandler(h http.Handler) {
	srv := &http.Server{Handler: h}
	l := x.listen()
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	x.set(func() { srv.Close(); <-done })
}

// serveGRPC runs a grpc.health.v1 server where service has status.
func (x *target) serveGRPC(service string, status healthpb.HealthCheckResponse_ServingStatus) *health.Server {
	srv := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus(service, status)
	healthpb.RegisterHealthServer(srv, h)
	l := x.listen()
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	x.set(func() { srv.Stop(); <-done })
	return h
}
