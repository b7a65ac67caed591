package healthd

import (
	"context"
	"errors"
	"fmt"
	"github.com/bootstage/bootstage/config"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/bootstage/bootstage/healthd/spec"
)

// ErrTimedOut is returned by Run when the stage timed out under
// --on-timeout fail.
var ErrTimedOut = errors.New("stage timed out")

// probeState is the gate's view of one probe; only the main loop touches it.
type probeState struct {
	spec.Probe
	checker  Checker
	known    bool   // at least one attempt finished
	healthy  bool   // the last attempt passed
	reason   string // why the last attempt failed
	fails    int    // consecutive failures since the gate opened
	restarts []time.Time
	limited  bool // a restart was refused by the rate limit and logged
}

type result struct {
	i   int
	err error
}

type runner struct {
	gate      spec.Gate
	opt       Options
	probes    []*probeState
	results   chan result
	opened    atomic.Bool
	byTimeout bool   // the gate opened at the timeout (proceed)
	status    string // the last STATUS= sent
	notifyErr bool   // an sd_notify failure was logged
	wg        sync.WaitGroup
}

// Run probes every component of g at once and reports to systemd until ctx
// ends (SIGTERM): READY=1 when all pass, STATUS= on every change, the
// timeout policy of g, then monitoring at each probe's interval. It returns
// nil after a clean stop, ErrTimedOut under --on-timeout fail, or an error
// when a check cannot be set up.
func Run(ctx context.Context, g spec.Gate, opt Options) error {
	r := &runner{gate: g, opt: opt.withDefaults(), results: make(chan result, len(g.Probes))}
	ownBus := false
	if r.opt.Bus == nil && needsBus(g) {
		r.opt.Bus, ownBus = &SystemBus{}, true
	}
	defer func() {
		for _, p := range r.probes {
			p.checker.Close()
		}
		if ownBus {
			r.opt.Bus.Close()
		}
	}()
	for _, p := range g.Probes {
		c, err := NewChecker(p, r.opt.Bus)
		if err != nil {
			return fmt.Errorf("probe %s: %w", p.Component, err)
		}
		r.probes = append(r.probes, &probeState{Probe: p, checker: c})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer r.wg.Wait() // after cancel: every goroutine has ended when Run returns
	defer cancel()
	for i, p := range r.probes {
		r.wg.Add(1)
		go r.probe(ctx, i, p.checker, p.Probe)
	}
	return r.loop(ctx)
}

func needsBus(g spec.Gate) bool {
	for _, p := range g.Probes {
		if p.Check == config.CheckSystemd || p.OnUnhealthy == config.ActionRestart {
			return true
		}
	}
	return false
}

// loop is the gate's single owner of state: it takes results, the timeout,
// watchdog ticks and the stop signal in turn.
func (r *runner) loop(ctx context.Context) error {
	var timeout <-chan time.Time
	if r.gate.Timeout > 0 {
		c, stop := r.opt.stageTimer(r.gate.Timeout)
		defer stop()
		timeout = c
	}
	var watchdog <-chan time.Time
	if r.opt.Watchdog > 0 {
		t := time.NewTicker(r.opt.Watchdog)
		defer t.Stop()
		watchdog = t.C
	}
	r.log(journal.PriInfo, fmt.Sprintf("waiting for %d component(s) of stage %s", len(r.probes), r.gate.Stage), nil, "")
	if len(r.probes) == 0 {
		r.open()
	}
	for {
		select {
		case <-ctx.Done():
			r.notify("STOPPING=1\nSTATUS=stopping")
			return nil
		case res := <-r.results:
			r.record(ctx, res)
		case <-timeout:
			if err := r.timedOut(); err != nil {
				return err
			}
		case <-watchdog:
			r.notify("WATCHDOG=1")
		}
	}
}

// record applies one probe result: log a change of health, open the gate
// when all pass, keep STATUS= current, restart what stays unhealthy.
func (r *runner) record(ctx context.Context, res result) {
	p := r.probes[res.i]
	wasKnown, wasHealthy, wasReason := p.known, p.healthy, p.reason
	p.known, p.healthy, p.reason = true, res.err == nil, ""
	if res.err != nil {
		p.reason = res.err.Error()
	}
	healthChanged := !wasKnown || wasHealthy != p.healthy
	if healthChanged {
		r.logChange(p, wasKnown)
	}
	if !r.opened.Load() {
		if r.allHealthy() {
			r.open()
			return
		}
	} else if !p.healthy {
		p.fails++
		r.maybeRestart(ctx, p)
	} else {
		p.fails = 0
	}
	// Most results while monitoring repeat the last one: STATUS= is only
	// rebuilt when something it says changed.
	if healthChanged || wasReason != p.reason {
		r.sendStatus("")
	}
}

func (r *runner) allHealthy() bool {
	for _, p := range r.probes {
		if !p.healthy {
			return false
		}
	}
	return true
}

// open tells systemd the stage is ready.
func (r *runner) open() {
	r.opened.Store(true)
	r.log(journal.PriNotice, fmt.Sprintf("stage %s is healthy", r.gate.Stage), nil, "")
	r.sendStatus("READY=1\n")
	r.monitoring()
}

// monitoring tells Options.Opened that waiting is over, after READY=1 went
// out so that nothing it does can delay it.
func (r *runner) monitoring() {
	if r.opt.Opened != nil {
		r.opt.Opened()
	}
}

// timedOut applies the stage's timeout policy; it returns ErrTimedOut when
// the gate must fail.
func (r *runner) timedOut() error {
	if r.opened.Load() {
		return nil
	}
	waited := r.gate.Timeout.String()
	if r.gate.OnTimeout == config.Block {
		// Block waits for ever, but an operator reading the journal
		// should learn that the stage is late.
		r.log(journal.PriWarning, fmt.Sprintf("stage %s is not healthy after %s, still waiting (on-timeout block): %s",
			r.gate.Stage, waited, r.statusText()), nil, "")
		return nil
	}
	if r.gate.OnTimeout == config.Fail {
		msg := fmt.Sprintf("stage %s timed out after %s: %s", r.gate.Stage, waited, r.statusText())
		r.log(journal.PriErr, msg, nil, "")
		r.notify("STATUS=failed: " + msg)
		return fmt.Errorf("%w after %s", ErrTimedOut, waited)
	}
	// the warning quotes the health before the degraded prefix is added
	health := r.statusText()
	r.byTimeout = true
	r.opened.Store(true)
	r.log(journal.PriWarning, fmt.Sprintf("stage %s timed out after %s, proceeding degraded: %s",
		r.gate.Stage, waited, health), nil, "")
	r.sendStatus("READY=1\n")
	r.monitoring()
	return nil
}

// sendStatus sends STATUS= when its text changed, or whenever a prefix
// (READY=1) must go out with it.
func (r *runner) sendStatus(prefix string) {
	text := r.statusText()
	if prefix == "" && text == r.status {
		return
	}
	r.status = text
	r.notify(prefix + "STATUS=" + text)
}

func (r *runner) notify(state string) {
	// Logged once: a broken NOTIFY_SOCKET would otherwise log at every
	// status change and watchdog ping.
	if err := r.opt.Notify(state); err != nil && !r.notifyErr {
		r.notifyErr = true
		r.log(journal.PriWarning, "sd_notify failed: "+err.Error(), nil, err.Error())
	}
}

// log sends one journal entry; p may be nil for stage-wide events.
func (r *runner) log(pri journal.Priority, msg string, p *probeState, reason string) {
	f := map[string]string{"STAGE": r.gate.Stage}
	if p != nil {
		f["COMPONENT"], f["UNIT"], f["CHECK"] = p.Component, p.Unit, string(p.Check)
	}
	if reason != "" {
		f["ERROR"] = reason
	}
	r.opt.Log.Log(pri, msg, f)
}

func (r *runner) logChange(p *probeState, wasKnown bool) {
	switch {
	case p.healthy && wasKnown:
		r.log(journal.PriNotice, p.Component+" is healthy again", p, "")
	case p.healthy:
		r.log(journal.PriInfo, p.Component+" is healthy", p, "")
	case !r.opened.Load() && !wasKnown:
		r.log(journal.PriInfo, p.Component+" is not healthy yet: "+p.reason, p, p.reason)
	default:
		r.log(journal.PriWarning, p.Component+" is unhealthy: "+p.reason, p, p.reason)
	}
}
