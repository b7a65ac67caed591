package healthd

import (
	"context"
	"fmt"
	"sync"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// UnitBus is what the gate needs from systemd's D-Bus API.
type UnitBus interface {
	// ActiveState returns the unit's ActiveState ("active", "failed", ...).
	ActiveState(ctx context.Context, unit string) (string, error)
	// RestartUnit queues a restart of unit and waits for the job's result.
	RestartUnit(ctx context.Context, unit string) error
	Close() error
}

// SystemdCheck is healthy when the component's unit is active: for
// services that send their own sd_notify, systemd already knows.
type SystemdCheck struct {
	Unit string
	Bus  UnitBus
}

// Check reads the unit's ActiveState.
func (c *SystemdCheck) Check(ctx context.Context) error {
	state, err := c.Bus.ActiveState(ctx, c.Unit)
	if err != nil {
		return err
	}
	if state != "active" {
		return fmt.Errorf("unit is %s", state)
	}
	return nil
}

// Close does nothing: the bus is shared and closed by its owner.
func (c *SystemdCheck) Close() error { return nil }

// SystemBus is a UnitBus over go-systemd's D-Bus client. It connects on
// first use, to the system bus or, as root without a bus daemon, to
// systemd's private socket, and reconnects after an error.
type SystemBus struct {
	mu   sync.Mutex
	conn *sddbus.Conn
}

func (b *SystemBus) get(ctx context.Context) (*sddbus.Conn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil && b.conn.Connected() {
		return b.conn, nil
	}
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
	conn, err := sddbus.NewWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to systemd over D-Bus: %w", err)
	}
	b.conn = conn
	return conn, nil
}

// ActiveState implements UnitBus.
func (b *SystemBus) ActiveState(ctx context.Context, unit string) (string, error) {
	conn, err := b.get(ctx)
	if err != nil {
		return "", err
	}
	p, err := conn.GetUnitPropertyContext(ctx, unit, "ActiveState")
	if err != nil {
		return "", fmt.Errorf("read ActiveState of %s: %w", unit, err)
	}
	s, _ := p.Value.Value().(string)
	return s, nil
}

// RestartUnit implements UnitBus.
func (b *SystemBus) RestartUnit(ctx context.Context, unit string) error {
	conn, err := b.get(ctx)
	if err != nil {
		return err
	}
	done := make(chan string, 1)
	if _, err := conn.RestartUnitContext(ctx, unit, "replace", done); err != nil {
		return fmt.Errorf("restart %s: %w", unit, err)
	}
	select {
	case result := <-done:
		if result != "done" {
			return fmt.Errorf("restart %s: job %s", unit, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("restart %s: %w", unit, ctx.Err())
	}
}

// Close closes the connection, if any.
func (b *SystemBus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
	return nil
}
