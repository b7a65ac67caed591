// Package healthd is bootstage's health daemon: one small Checker per kind
// of health check, and the gate loop that probes every component of a stage
// at once and reports to systemd through sd_notify (DESIGN §4).
package healthd

import (
	"context"
	"errors"
	"fmt"
	"github.com/bootstage/bootstage/config"
	"io"
	"net"
	"syscall"

	"github.com/bootstage/bootstage/healthd/spec"
)

// A Checker runs one health check. Check returns nil when the component is
// healthy and a short reason otherwise; it must return soon after ctx ends.
// Close releases what the checker keeps between attempts (connections).
// The gate calls Check from one goroutine at a time per Checker.
type Checker interface {
	Check(ctx context.Context) error
	Close() error
}

// NewChecker returns the Checker for p. bus is used by systemd checks; it
// may be nil for other checks.
func NewChecker(p spec.Probe, bus UnitBus) (Checker, error) {
	switch p.Check {
	case config.CheckTCP:
		return &TCPCheck{Addr: p.Target}, nil
	case config.CheckGRPC:
		return &GRPCCheck{Addr: p.Target, Service: p.GRPCService}, nil
	case config.CheckHTTP, config.CheckHTTPS:
		return NewHTTPCheck(p.Target, p.HTTPStatus), nil
	case config.CheckExec:
		return &ExecCheck{Argv: p.Command}, nil
	case config.CheckSystemd:
		if bus == nil {
			return nil, fmt.Errorf("check systemd of %s: no D-Bus connection", p.Unit)
		}
		return &SystemdCheck{Unit: p.Unit, Bus: bus}, nil
	case config.CheckNone:
		return NoCheck{}, nil
	}
	return nil, fmt.Errorf("unknown check %q", p.Check)
}

// NoCheck is always healthy: a component that has no health check.
type NoCheck struct{}

// Check returns nil.
func (NoCheck) Check(context.Context) error { return nil }

// Close does nothing.
func (NoCheck) Close() error { return nil }

// TCPCheck is healthy when a TCP connection to Addr succeeds.
type TCPCheck struct {
	Addr string // HOST:PORT
}

// Check connects to Addr and closes the connection at once.
func (c *TCPCheck) Check(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return reason(err)
	}
	return conn.Close()
}

// Close does nothing: TCPCheck keeps no connection.
func (c *TCPCheck) Close() error { return nil }

// reason shortens a network error to what an operator needs in STATUS=:
// "connection refused" rather than "dial tcp 127.0.0.1:53: connect:
// connection refused". Context errors are kept so the caller can tell a
// timeout from a failure.
func reason(err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// A target that drops the connection shows as a reset on read,
		// a broken pipe on write or an end of file, whichever the race
		// between its close and our I/O gives: one reason, so that
		// STATUS= does not flap between three.
		return errClosed
	case errors.As(err, &errno):
		return errno
	}
	return err
}

var errClosed = errors.New("connection closed by peer")
