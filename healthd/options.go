package healthd

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/coreos/go-systemd/v22/journal"
)

// Options are the gate's connections to the outside world. The zero value
// talks to systemd: sd_notify, the journal and the system bus.
type Options struct {
	// Notify sends one sd_notify datagram (default: daemon.SdNotify).
	Notify func(state string) error
	// Log records an event (default: the journal, else stderr).
	Log Logger
	// Bus reads unit state and restarts units (default: a SystemBus,
	// opened only when a probe needs it).
	Bus UnitBus
	// Watchdog is the interval of WATCHDOG=1 pings; 0 reads
	// WATCHDOG_USEC and pings at half of it, negative never pings.
	Watchdog time.Duration
	// RestartBurst restarts of one unit are allowed per RestartWindow
	// (default 3 per 10 minutes), so a component that never recovers is
	// not restarted in a loop.
	RestartBurst  int
	RestartWindow time.Duration
	// Opened, if set, is called once when the gate opens, healthy or
	// by its timeout under proceed: waiting is over and monitoring begins.
	Opened func()

	// stageTimer starts the stage's timeout and returns its channel and
	// stop function (default: a time.Timer). Tests put in a timer they
	// fire on cue, so a test of what the timeout does need not wait it
	// out, nor race it on a loaded machine.
	stageTimer func(time.Duration) (<-chan time.Time, func() bool)
}

func (o Options) withDefaults() Options {
	if o.Notify == nil {
		o.Notify = func(state string) error {
			_, err := daemon.SdNotify(false, state)
			return err
		}
	}
	if o.Log == nil {
		o.Log = NewJournalLogger(os.Stderr)
	}
	if o.Watchdog == 0 {
		if d, err := daemon.SdWatchdogEnabled(false); err == nil && d > 0 {
			o.Watchdog = d / 2
		}
	}
	if o.RestartBurst == 0 {
		o.RestartBurst = 3
	}
	if o.RestartWindow == 0 {
		o.RestartWindow = 10 * time.Minute
	}
	if o.stageTimer == nil {
		o.stageTimer = realTimer
	}
	return o
}

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Logger records one event with journal fields (STAGE, COMPONENT, UNIT,
// CHECK, ERROR).
type Logger interface {
	Log(pri journal.Priority, msg string, fields map[string]string)
}

// JournalLogger writes structured entries to the journal when its socket
// is there, else a line to a fallback writer.
type JournalLogger struct {
	fallback io.Writer
	journal  bool
}

// NewJournalLogger returns a JournalLogger that falls back to w.
func NewJournalLogger(w io.Writer) *JournalLogger {
	return &JournalLogger{fallback: w, journal: journal.Enabled()}
}

// Log implements Logger.
func (l *JournalLogger) Log(pri journal.Priority, msg string, fields map[string]string) {
	if l.journal && journal.Send(msg, pri, fields) == nil {
		return
	}
	fmt.Fprintln(l.fallback, formatLine(msg, fields))
}

// formatLine renders an event as one line: the message, then the fields
// in name order.
func formatLine(msg string, fields map[string]string) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(msg)
	for _, k := range names {
		fmt.Fprintf(&b, " %s=%q", k, fields[k])
	}
	return b.String()
}
