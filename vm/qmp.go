package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"time"

	"github.com/digitalocean/go-qemu/qmp"
)

// dialTimeout bounds connecting to a QMP socket when ctx has no deadline.
const dialTimeout = 5 * time.Second

// ErrNotRunning is returned (wrapped) when no qemu listens on the socket:
// the socket is missing or refuses connections.
var ErrNotRunning = errors.New("VM is not running")

// VMStatus is QMP's query-status answer.
type VMStatus struct {
	Status     string `json:"status"` // "running", "paused", "shutdown", ...
	Running    bool   `json:"running"`
	SingleStep bool   `json:"singlestep"`
}

// StopResult says how Stop ended the VM.
type StopResult struct {
	// PoweredDown: the guest shut down after the ACPI power button (QMP
	// event SHUTDOWN, or qemu exited) within the timeout.
	PoweredDown bool
	// Quit: the guest did not, and qemu was told to quit.
	Quit bool
	// NotRunning: nothing listened on the socket; there was nothing to stop.
	NotRunning bool
	// Waited is the time from the power button to the end.
	Waited time.Duration
}

// monitor is one QMP session. go-qemu's SocketMonitor never times out, so
// every call here runs beside ctx and gives up, disconnecting, when ctx ends.
type monitor struct {
	mon    *qmp.SocketMonitor
	events <-chan qmp.Event
}

// dial connects to the QMP socket at socket and negotiates capabilities.
// QMP serves one client at a time: while another holds the socket, the
// greeting never comes and dial waits until ctx ends.
func dial(ctx context.Context, socket string) (*monitor, error) {
	timeout := dialTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	mon, err := qmp.NewSocketMonitor("unix", socket, timeout)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("connecting to QMP socket %s: %w (%v)", socket, ErrNotRunning, err)
		}
		return nil, fmt.Errorf("connecting to QMP socket %s: %w", socket, err)
	}
	done := make(chan error, 1)
	go func() { done <- mon.Connect() }()
	select {
	case err := <-done:
		if err != nil {
			mon.Disconnect()
			return nil, fmt.Errorf("QMP handshake on %s: %w", socket, err)
		}
	case <-ctx.Done():
		// Connect still owns the monitor; close it once the handshake
		// ends (when qemu serves us or exits), never concurrently.
		go func() {
			<-done
			mon.Disconnect()
		}()
		return nil, fmt.Errorf("QMP handshake on %s (is another client connected?): %w", socket, ctx.Err())
	}
	// Subscribe before any command, so no event is missed. Events are read
	// by a goroutine at once: go-qemu delivers them unbuffered, and an
	// unread event would hold up every command reply behind it.
	raw, _ := mon.Events(ctx)
	events := make(chan qmp.Event, 64)
	go func() {
		defer close(events)
		for e := range raw {
			select {
			case events <- e:
			default: // nobody waits for this many events; drop
			}
		}
	}()
	return &monitor{mon: mon, events: events}, nil
}

// run executes one QMP command and decodes its "return" into out (if not
// nil).
func (m *monitor) run(ctx context.Context, command string, out any) error {
	b, err := json.Marshal(qmp.Command{Execute: command})
	if err != nil {
		return err
	}
	type reply struct {
		buf []byte
		err error
	}
	done := make(chan reply, 1)
	go func() {
		buf, err := m.mon.Run(b)
		done <- reply{buf, err}
	}()
	var r reply
	select {
	case r = <-done:
	case <-ctx.Done():
		m.mon.Disconnect() // unblocks Run
		return fmt.Errorf("QMP %s: %w", command, ctx.Err())
	}
	if r.err != nil {
		return fmt.Errorf("QMP %s: %w", command, r.err)
	}
	if out == nil {
		return nil
	}
	var resp struct {
		Return json.RawMessage `json:"return"`
	}
	if err := json.Unmarshal(r.buf, &resp); err != nil {
		return fmt.Errorf("QMP %s: decoding reply: %w", command, err)
	}
	if err := json.Unmarshal(resp.Return, out); err != nil {
		return fmt.Errorf("QMP %s: decoding reply: %w", command, err)
	}
	return nil
}

func (m *monitor) close() { m.mon.Disconnect() }

// Status asks the VM behind the QMP socket for its run state
// (query-status). Socket is a path; see SocketPath and SocketFor.
func Status(ctx context.Context, socket string) (VMStatus, error) {
	m, err := dial(ctx, socket)
	if err != nil {
		return VMStatus{}, err
	}
	defer m.close()
	var st VMStatus
	err = m.run(ctx, "query-status", &st)
	return st, err
}

// Stop powers the VM behind socket down: it presses the ACPI power button
// (system_powerdown), waits up to timeout for the guest to shut down (the
// SHUTDOWN event, or qemu exiting and closing the socket), and otherwise
// tells qemu to quit. A socket with no qemu behind it is not an error:
// the result says NotRunning. ctx bounds the whole call; give it more
// than timeout.
func Stop(ctx context.Context, socket string, timeout time.Duration) (StopResult, error) {
	m, err := dial(ctx, socket)
	if errors.Is(err, ErrNotRunning) {
		return StopResult{NotRunning: true}, nil
	}
	if err != nil {
		return StopResult{}, err
	}
	defer m.close()
	start := time.Now()
	if err := m.run(ctx, "system_powerdown", nil); err != nil {
		return StopResult{}, err
	}
	if m.waitShutdown(ctx, timeout) {
		return StopResult{PoweredDown: true, Waited: time.Since(start)}, nil
	}
	if ctx.Err() != nil {
		return StopResult{}, fmt.Errorf("waiting for the guest to power down: %w", ctx.Err())
	}
	err = m.run(ctx, "quit", nil)
	if err != nil && !closedEarly(err) {
		return StopResult{}, err
	}
	m.waitClosed(ctx)
	return StopResult{Quit: true, Waited: time.Since(start)}, nil
}

// waitShutdown waits up to timeout for the guest to shut down: the SHUTDOWN
// event, or the end of the event stream, which means qemu closed the
// socket. After SHUTDOWN it waits on until qemu has closed the socket (it
// exits right after), so that Stop returns when the process is gone.
func (m *monitor) waitShutdown(ctx context.Context, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	shutdown := false
	for {
		select {
		case e, ok := <-m.events:
			if !ok {
				return true
			}
			if e.Event == "SHUTDOWN" {
				shutdown = true
			}
		case <-t.C:
			return shutdown
		case <-ctx.Done():
			return shutdown
		}
	}
}

// waitClosed waits for qemu to close the socket after quit.
func (m *monitor) waitClosed(ctx context.Context) {
	for {
		select {
		case _, ok := <-m.events:
			if !ok {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// closedEarly reports an error from qemu closing the socket before its
// reply arrived, which quit may do.
func closedEarly(err error) bool {
	s := err.Error()
	return strings.Contains(s, "unexpected end of JSON input") || strings.Contains(s, "EOF") ||
		errors.Is(err, syscall.ECONNRESET)
}
