package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bootstage/bootstage/generator"
)

// allTarget is the target that wants every stage.
const allTarget = "bootstage.target"

// upOptions are the flags of `bootstage up` and `bootstage down`.
type upOptions struct {
	Stage   string
	NoBlock bool
	Timeout time.Duration // 0: wait as long as it takes
}

// up starts a stage target (or bootstage.target) and prints progress until
// it is active or a unit fails.
func (a *app) up(ctx context.Context, st *stack, o upOptions) error {
	stages, err := st.upTo(o.Stage)
	if err != nil {
		return err
	}
	target := allTarget
	units := watchUnits(stages)
	if o.Stage != "" {
		target = stages[len(stages)-1].Target
	} else {
		units = append(units, watched{label: allTarget, unit: allTarget, kind: "target"})
	}
	if st.BrokenStages != nil {
		// bootstage.target requires it: its failure, and the problems it
		// prints, are why the start fails.
		units = append(units, watched{label: "stages.toml", unit: generator.StagesUnit, kind: "component"})
	}
	sd, w, err := a.watch(ctx, units, o.NoBlock)
	if err != nil {
		return err
	}
	defer sd.Close()
	job, err := sd.Start(ctx, target)
	if err != nil {
		return err
	}
	out := a.env.Stdout
	if o.NoBlock {
		fmt.Fprintf(out, "start of %s queued\n", target)
		return nil
	}
	if len(stages) == 0 {
		fmt.Fprintf(out, "starting %s (no stage)\n", target)
	} else {
		fmt.Fprintf(out, "starting %s (stages: %s)\n", target, strings.Join(namesOf(stages), ", "))
	}
	w.jobs = map[string]<-chan string{target: job}
	return w.loop(ctx, o.Timeout, func() (bool, error) {
		if u, ok := w.freshFailure(); ok {
			w.explain(ctx, u)
			return true, fail(ExitFailure, "starting %s failed: %s failed", target, u.unit)
		}
		r, ok := w.results[target]
		switch {
		case !ok:
			return false, nil
		case r == "done":
			fmt.Fprintf(out, "%s%s active after %s\n", w.st.mark(toneGood), target, strings.TrimSpace(w.elapsed()))
			return true, nil
		}
		for _, u := range w.units {
			if w.states[u.unit].ActiveState == "failed" {
				w.explain(ctx, u)
				break
			}
		}
		return true, fail(ExitFailure, "the start job of %s ended: %s", target, r)
	})
}

// watch connects to systemd and, unless the caller will not wait,
// records the units' states first, so that every change after the job is
// queued is printed.
func (a *app) watch(ctx context.Context, units []watched, noBlock bool) (Systemd, *watcher, error) {
	sd, err := a.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	w := newWatcher(a.env, sd, units)
	if !noBlock {
		if err := w.baseline(ctx); err != nil {
			sd.Close()
			return nil, nil, err
		}
	}
	return sd, w, nil
}

// down stops stages (or all of them) and their gates and components, and
// prints progress until every one is stopped. Stopping a stage also stops
// later stages that Require= it: systemd's rule, shown as it happens.
func (a *app) down(ctx context.Context, st *stack, o upOptions) error {
	stages, err := st.from(o.Stage)
	if err != nil {
		return err
	}
	var units []watched
	if o.Stage == "" {
		units = append(units, watched{label: allTarget, unit: allTarget, kind: "target"})
	}
	for i := len(stages) - 1; i >= 0; i-- {
		units = append(units, watchUnits(stages[i:i+1])...)
	}
	sd, w, err := a.watch(ctx, units, o.NoBlock)
	if err != nil {
		return err
	}
	defer sd.Close()
	jobs := map[string]<-chan string{}
	for _, u := range stopOrder(units) {
		if jobs[u.unit], err = sd.Stop(ctx, u.unit); err != nil {
			return err
		}
	}
	what := allTarget
	if o.Stage != "" {
		what = "stage " + o.Stage
	}
	out := a.env.Stdout
	if o.NoBlock {
		fmt.Fprintf(out, "stop of %s queued (%d units)\n", what, len(units))
		return nil
	}
	fmt.Fprintf(out, "stopping %s (stages: %s)\n", what, strings.Join(namesOf(stages), ", "))
	w.jobs = jobs
	return w.loop(ctx, o.Timeout, func() (bool, error) {
		if !w.jobsDone() {
			return false, nil
		}
		for _, u := range units {
			switch w.states[u.unit].ActiveState {
			case "active", "activating", "deactivating", "reloading":
				return false, nil
			}
		}
		return true, w.stopReport(what)
	})
}

// stopReport prints the end of down: failed units as warnings, and an
// error when a stop job did not succeed.
func (w *watcher) stopReport(what string) error {
	var bad []string
	for _, u := range w.units {
		if r := w.results[u.unit]; r != "done" && r != "skipped" {
			bad = append(bad, u.unit+": "+r)
		}
		if s := w.states[u.unit]; s.ActiveState == "failed" {
			fmt.Fprintf(w.out, "%s%s stopped as failed (%s)\n", w.st.mark(toneWarn), u.unit, s.Result)
		}
	}
	if len(bad) > 0 {
		return fail(ExitFailure, "stop jobs did not succeed: %s", strings.Join(bad, ", "))
	}
	fmt.Fprintf(w.out, "%s%s stopped after %s\n", w.st.mark(toneGood), what, strings.TrimSpace(w.elapsed()))
	return nil
}

func namesOf(stages []*stageView) []string {
	var n []string
	for _, s := range stages {
		n = append(n, s.Name)
	}
	return n
}

// stopOrder queues the stop jobs so systemd can keep the reverse of the
// start order: per stage, last stage first, the target, then the gate,
// then the components. A job that is already running cannot wait for one
// queued after it, so a component stopped before its gate would go down
// while the gate still probes it.
func stopOrder(units []watched) []watched {
	var out []watched
	for start := 0; start < len(units); {
		end := start
		for end < len(units) && units[end].stage == units[start].stage {
			end++
		}
		for _, kind := range []string{"target", "gate", "component"} {
			for _, u := range units[start:end] {
				if u.kind == kind {
					out = append(out, u)
				}
			}
		}
		start = end
	}
	return out
}
