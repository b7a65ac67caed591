package healthd

import (
	"context"
	"errors"
	"fmt"
	"github.com/bootstage/bootstage/config"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/bootstage/bootstage/healthd/spec"
)

// probe runs one probe's attempts until ctx ends: at once, then with the
// waiting back-off while the gate is closed, then at the probe's interval.
// Each attempt has its own timeout, so one hanging target delays no other.
func (r *runner) probe(ctx context.Context, i int, c Checker, p spec.Probe) {
	defer r.wg.Done()
	var failingSince time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		err := attempt(ctx, c, p.Timeout)
		if ctx.Err() != nil {
			return
		}
		select {
		case r.results <- result{i, err}:
		case <-ctx.Done():
			return
		}
		now := time.Now()
		switch {
		case r.opened.Load():
			timer.Reset(p.Interval)
		case err == nil:
			// Still re-checked while others are waited for, so a
			// component that goes down again holds the gate.
			failingSince = time.Time{}
			timer.Reset(min(p.Interval, maxWait))
		default:
			if failingSince.IsZero() {
				failingSince = now
			}
			timer.Reset(waitDelay(now.Sub(failingSince)))
		}
	}
}

// attempt runs one check under the probe timeout. The check runs on a
// goroutine of its own that ends with it: dialing, TLS and gRPC grow a
// stack to 8–16 KiB, and the probe's goroutine, parked between attempts
// for nearly all of its life, would otherwise keep that stack (100 probes:
// about 0.5 MB more of the gate's memory, bench/healthd).
func attempt(ctx context.Context, c Checker, timeout time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Check(actx) }()
	err := <-done
	if err != nil && ctx.Err() == nil && (actx.Err() != nil || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("no answer within %s", timeout)
	}
	return err
}

// maybeRestart restarts p's unit over D-Bus once it failed Threshold times
// in a row, at most RestartBurst times per RestartWindow.
func (r *runner) maybeRestart(ctx context.Context, p *probeState) {
	if p.OnUnhealthy != config.ActionRestart || p.fails < p.Threshold {
		return
	}
	now := time.Now()
	kept := p.restarts[:0]
	for _, t := range p.restarts {
		if now.Sub(t) < r.opt.RestartWindow {
			kept = append(kept, t)
		}
	}
	p.restarts = kept
	if len(p.restarts) >= r.opt.RestartBurst {
		if !p.limited {
			r.log(journal.PriWarning, fmt.Sprintf("not restarting %s: restarted %d times within %s already",
				p.Unit, len(p.restarts), r.opt.RestartWindow), p, p.reason)
			p.limited = true
		}
		return
	}
	p.limited = false
	p.fails = 0
	p.restarts = append(p.restarts, now)
	r.log(journal.PriWarning, fmt.Sprintf("restarting %s after %d failed checks", p.Unit, p.Threshold), p, p.reason)
	r.wg.Add(1)
	go func(unit string) {
		defer r.wg.Done()
		rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		if err := r.opt.Bus.RestartUnit(rctx, unit); err != nil && ctx.Err() == nil {
			r.opt.Log.Log(journal.PriErr, "restart failed: "+err.Error(), map[string]string{
				"STAGE": r.gate.Stage, "COMPONENT": p.Component, "UNIT": unit, "CHECK": string(p.Check), "ERROR": err.Error()})
		}
	}(p.Unit)
}
