package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// Systemd is the narrow part of systemd's D-Bus API that bootstage uses.
// Commands depend on it, not on go-systemd, so status and up can be tested
// against recorded replies (see fakeSystemd in the tests).
type Systemd interface {
	// State returns what systemd knows of unit now. A unit systemd does not
	// know comes back with LoadState "not-found", not as an error.
	State(ctx context.Context, unit string) (UnitState, error)
	// Start queues a start job (mode "replace"); the job's result ("done",
	// "failed", "dependency", "timeout", "canceled", "skipped") is sent on
	// the returned channel when it finishes.
	Start(ctx context.Context, unit string) (<-chan string, error)
	// Stop queues a stop job, as Start does.
	Stop(ctx context.Context, unit string) (<-chan string, error)
	// Close releases the connection.
	Close()
}

// UnitState is one unit as systemd reports it (org.freedesktop.systemd1.Unit
// and, for services, .Service properties).
type UnitState struct {
	Unit        string    `json:"unit"`
	LoadState   string    `json:"load_state"`
	ActiveState string    `json:"active_state"`
	SubState    string    `json:"sub_state"`
	Since       time.Time `json:"since,omitzero"` // StateChangeTimestamp
	StatusText  string    `json:"status_text,omitempty"`
	Result      string    `json:"result,omitempty"` // services: success, exit-code, ...
}

// stateFromProps reads a UnitState out of the property maps go-systemd
// returns; service is nil for units that are not services.
func stateFromProps(unit string, props, service map[string]any) UnitState {
	s := UnitState{
		Unit:        unit,
		LoadState:   str(props["LoadState"]),
		ActiveState: str(props["ActiveState"]),
		SubState:    str(props["SubState"]),
	}
	if usec, ok := props["StateChangeTimestamp"].(uint64); ok && usec > 0 {
		s.Since = time.UnixMicro(int64(usec)).UTC()
	}
	if service != nil {
		s.StatusText = str(service["StatusText"])
		s.Result = str(service["Result"])
	}
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// dbusSystemd is Systemd over go-systemd's D-Bus connection.
type dbusSystemd struct{ c *sddbus.Conn }

// dialSystemd connects to systemd: through the system bus, or, when no bus
// daemon runs (a minimal root), straight to systemd's private socket.
func dialSystemd(ctx context.Context) (Systemd, error) {
	c, err := sddbus.NewSystemConnectionContext(ctx)
	if err != nil {
		var err2 error
		if c, err2 = sddbus.NewSystemdConnectionContext(ctx); err2 != nil {
			if isPermission(err2) && !isPermission(err) {
				err2 = err
			}
			return nil, dialError(err2)
		}
	}
	return &dbusSystemd{c: c}, nil
}

func dialError(err error) error {
	if isPermission(err) {
		return fail(ExitPermission, "permission denied connecting to systemd over D-Bus: %s", oneLine(err.Error()))
	}
	return fail(ExitNoSystemd, "cannot reach systemd over D-Bus: %s", oneLine(err.Error()))
}

func (d *dbusSystemd) State(ctx context.Context, unit string) (UnitState, error) {
	props, err := d.c.GetUnitPropertiesContext(ctx, unit)
	if err != nil {
		return UnitState{}, fmt.Errorf("reading the state of %s: %w", unit, err)
	}
	var svc map[string]any
	if strings.HasSuffix(unit, ".service") && str(props["LoadState"]) == "loaded" {
		if svc, err = d.c.GetUnitTypePropertiesContext(ctx, unit, "Service"); err != nil {
			return UnitState{}, fmt.Errorf("reading the service state of %s: %w", unit, err)
		}
	}
	return stateFromProps(unit, props, svc), nil
}

func (d *dbusSystemd) Start(ctx context.Context, unit string) (<-chan string, error) {
	ch := make(chan string, 1)
	if _, err := d.c.StartUnitContext(ctx, unit, "replace", ch); err != nil {
		return nil, jobError("start", unit, err)
	}
	return ch, nil
}

func (d *dbusSystemd) Stop(ctx context.Context, unit string) (<-chan string, error) {
	ch := make(chan string, 1)
	if _, err := d.c.StopUnitContext(ctx, unit, "replace", ch); err != nil {
		return nil, jobError("stop", unit, err)
	}
	return ch, nil
}

func (d *dbusSystemd) Close() { d.c.Close() }

func jobError(verb, unit string, err error) error {
	if dbusErrorName(err) == "org.freedesktop.systemd1.NoSuchUnit" {
		return fail(ExitError, "systemd does not know %s: run systemctl daemon-reload (bootstage plan shows what it adds)", unit)
	}
	if isPermission(err) {
		return fail(ExitPermission, "permission denied: to %s %s you need root (try sudo)", verb, unit)
	}
	return fmt.Errorf("asking systemd to %s %s: %w", verb, unit, err)
}
