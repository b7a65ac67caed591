package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// watched is one unit whose progress up/down print.
type watched struct {
	stage string // "" for bootstage.target
	label string // component name, "gate" or "stage"
	unit  string
	kind  string // component | gate | target
}

// watchUnits lists the units of stages in the order their lines print.
func watchUnits(stages []*stageView) []watched {
	var w []watched
	for _, s := range stages {
		for _, c := range s.Components {
			w = append(w, watched{stage: s.Name, label: c.Name, unit: c.Unit, kind: "component"})
		}
		w = append(w, watched{stage: s.Name, label: "gate", unit: s.Gate, kind: "gate"},
			watched{stage: s.Name, label: "stage", unit: s.Target, kind: "target"})
	}
	return w
}

// watcher polls systemd and prints every change of the watched units
// until the jobs end, a unit fails (when starting), or the time is up.
type watcher struct {
	env     *Env
	sd      Systemd
	out     io.Writer
	st      style
	units   []watched
	jobs    map[string]<-chan string // unit -> job result
	results map[string]string
	last    map[string]string
	states  map[string]UnitState
	start   time.Time
	stageW  int
	labelW  int
}

// newWatcher watches units; the caller sets jobs once it queued them.
func newWatcher(env *Env, sd Systemd, units []watched) *watcher {
	w := &watcher{env: env, sd: sd, out: env.Stdout, st: env.style(), units: units,
		results: map[string]string{}, last: map[string]string{}, states: map[string]UnitState{}, start: env.Now()}
	for _, u := range units {
		w.stageW = max(w.stageW, len(u.stage))
		w.labelW = max(w.labelW, len(u.label))
	}
	return w
}

// poll reads every watched unit, prints what changed and collects the
// results of finished jobs. The first poll only records the baseline.
func (w *watcher) poll(ctx context.Context, baseline bool) error {
	for _, u := range w.units {
		s, err := w.sd.State(ctx, u.unit)
		if err != nil {
			return err
		}
		w.states[u.unit] = s
		key := stateWords(s) + "|" + s.StatusText
		if !baseline && w.last[u.unit] != key {
			w.event(u, s)
		}
		w.last[u.unit] = key
	}
	for unit, ch := range w.jobs {
		if _, done := w.results[unit]; done {
			continue
		}
		select {
		case r, ok := <-ch:
			if !ok {
				r = "canceled"
			}
			w.results[unit] = r
			if rec, ok := w.sd.(interface{ jobSeen(unit, result string) }); ok {
				rec.jobSeen(unit, r)
			}
		default:
		}
	}
	return nil
}

func (w *watcher) elapsed() string {
	return fmt.Sprintf("%6.1fs", w.env.Now().Sub(w.start).Seconds())
}

// event prints one change: elapsed time, stage, unit, what it is now.
func (w *watcher) event(u watched, s UnitState) {
	t := stateTone(s.ActiveState)
	what := stateWords(s)
	switch {
	case u.kind == "gate":
		what = gateWords(s)
	case u.kind == "target" && u.stage != "":
		what = targetWords(s)
	}
	what = w.st.paint(t, what)
	if u.kind == "gate" && s.StatusText != "" {
		what += ": " + s.StatusText
	}
	fmt.Fprintf(w.out, "%s  %s  %s%s  %s\n", w.elapsed(), pad(u.stage, w.stageW), w.st.mark(t), pad(u.label, w.labelW), what)
}

func targetWords(s UnitState) string {
	switch s.ActiveState {
	case "active":
		return "open"
	case "inactive":
		return "down"
	}
	return stateWords(s)
}

// freshFailure finds a unit that failed since the watch began; a unit
// still failed from an earlier run does not count until it changes.
func (w *watcher) freshFailure() (watched, bool) {
	for _, u := range w.units {
		s := w.states[u.unit]
		if s.ActiveState == "failed" && !s.Since.Before(w.start) {
			return u, true
		}
	}
	return watched{}, false
}

// jobsDone reports whether every job has a result.
func (w *watcher) jobsDone() bool { return len(w.results) == len(w.jobs) }

// baseline records the units' states before the jobs are queued, so the
// first changes the jobs cause are printed too.
func (w *watcher) baseline(ctx context.Context) error { return w.poll(ctx, true) }

// loop polls until done says stop; timeout 0 waits for ever.
func (w *watcher) loop(ctx context.Context, timeout time.Duration, done func() (bool, error)) error {
	for {
		if err := w.env.Sleep(ctx, w.env.PollInterval); err != nil {
			return interrupted(err)
		}
		if err := w.poll(ctx, false); err != nil {
			return err
		}
		if stop, err := done(); stop || err != nil {
			return err
		}
		if timeout > 0 && w.env.Now().Sub(w.start) >= timeout {
			return fail(ExitFailure, "gave up waiting after %s; the jobs go on (see bootstage status)", timeout)
		}
	}
}

func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return fail(ExitFailure, "interrupted; the jobs go on in systemd (see bootstage status)")
	}
	return err
}

// explain prints a failed unit and the last journal lines that say why.
func (w *watcher) explain(ctx context.Context, u watched) {
	s := w.states[u.unit]
	why := s.Result
	if why == "" {
		why = s.SubState
	}
	fmt.Fprintf(w.out, "%s%s failed (%s); last journal lines (journalctl -u %s):\n",
		w.st.mark(toneBad), u.unit, why, u.unit)
	text, err := w.env.Journal(ctx, u.unit, 10)
	if err != nil && text == "" {
		fmt.Fprintf(w.out, "    (journal not readable: %v)\n", oneLine(err.Error()))
		return
	}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintln(w.out, "    "+l)
	}
}
