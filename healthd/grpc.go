package healthd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// GRPCCheck is healthy when the grpc.health.v1 Check of Service on Addr
// answers SERVING. It keeps its connection while the target is healthy, so
// monitoring costs one RPC per interval, and drops it after a failure, so
// the next attempt dials afresh instead of waiting out gRPC's own
// reconnect back-off.
type GRPCCheck struct {
	Addr    string // HOST:PORT
	Service string // "" asks about the server as a whole

	conn   *grpc.ClientConn
	mu     sync.Mutex
	netErr error // the last network error under conn, for a readable reason
}

// Check runs one health RPC.
func (c *GRPCCheck) Check(ctx context.Context) error {
	if c.conn == nil {
		if err := c.connect(); err != nil {
			return err
		}
	}
	resp, err := healthpb.NewHealthClient(c.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: c.Service})
	if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
		return nil
	}
	c.Close()
	if err == nil {
		return errors.New(resp.GetStatus().String())
	}
	return c.describe(ctx, err)
}

func (c *GRPCCheck) connect() error {
	c.netErr = nil
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			c.recordErr(err)
			return nil, err
		}
		return &recordingConn{Conn: conn, record: c.recordErr}, nil
	}
	conn, err := grpc.NewClient("passthrough:///"+c.Addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(dial),
		// A health check is a few hundred bytes each way: gRPC's default
		// 32 KiB buffers per connection would dominate the gate's memory
		// with many probes.
		grpc.WithReadBufferSize(0),
		grpc.WithWriteBufferSize(0),
		grpc.WithSharedWriteBuffer(true),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{
			BaseDelay: 20 * time.Millisecond, Multiplier: 2, MaxDelay: time.Second},
			// The attempt's context bounds the handshake; gRPC's own
			// connect deadline must not cut it shorter.
			MinConnectTimeout: time.Minute}))
	if err != nil {
		return fmt.Errorf("set up gRPC client for %s: %w", c.Addr, err)
	}
	c.conn = conn
	return nil
}

// describe turns a failed RPC into a short reason.
func (c *GRPCCheck) describe(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	c.mu.Lock()
	netErr := c.netErr
	c.mu.Unlock()
	if netErr != nil {
		return netErr
	}
	switch s := status.Convert(err); s.Code() {
	case codes.NotFound:
		return fmt.Errorf("unknown health service %q", c.Service)
	case codes.Unimplemented:
		return errors.New("no grpc.health.v1 service")
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	default:
		return fmt.Errorf("%s: %s", s.Code(), s.Message())
	}
}

// Close drops the connection, if any.
func (c *GRPCCheck) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// recordErr keeps the first network error of the current connection.
func (c *GRPCCheck) recordErr(err error) {
	if errors.Is(err, net.ErrClosed) {
		return // closed by us, after the interesting error
	}
	c.mu.Lock()
	if c.netErr == nil {
		c.netErr = reason(err)
	}
	c.mu.Unlock()
}

// recordingConn reports read and write errors, which gRPC otherwise folds
// into a long status message.
type recordingConn struct {
	net.Conn
	record func(error)
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.record(err)
	}
	return n, err
}

func (c *recordingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil {
		c.record(err)
	}
	return n, err
}
