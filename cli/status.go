package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
)

// status prints the state of stage name ("" = all stages).
func (a *app) status(ctx context.Context, dirs []string, name string, asJSON bool) error {
	st, err := a.stack(dirs)
	if err != nil {
		return err
	}
	if len(st.Stages) == 0 && name == "" {
		return a.noStage(st, asJSON)
	}
	stages := st.Stages
	if name != "" {
		s, err := st.stage(name)
		if err != nil {
			return err
		}
		stages = []*stageView{s}
	}
	sd, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer sd.Close()
	r, err := collectStatus(ctx, sd, stages)
	if err != nil {
		return err
	}
	if asJSON {
		err = writeStatusJSON(a.env.Stdout, r)
	} else {
		writeStatusText(a.env.Stdout, r, a.env.style(), a.env.Now())
	}
	if err == nil && !r.allGood() {
		return errSilent(ExitFailure)
	}
	return err
}

// noStage is the status of a config that generates no stage: nothing to
// ask systemd. That is fine when no service runs on this node, and a
// failure when stages.toml is invalid, which fails bootstage.target.
func (a *app) noStage(st *stack, asJSON bool) error {
	if asJSON {
		if err := writeStatusJSON(a.env.Stdout, &statusReport{Stages: []stageStatus{}}); err != nil {
			return err
		}
	}
	if st.BrokenStages == nil {
		if !asJSON {
			fmt.Fprintln(a.env.Stdout, "no stage: no service runs on this node")
		}
		return nil
	}
	if !asJSON {
		fmt.Fprintf(a.env.Stdout, "no stage runs: %s is invalid, so %s fails (%s says why)\n",
			relative(st.BrokenStages.Source), generator.MainTarget, generator.StagesUnit)
	}
	return errSilent(ExitFailure)
}

// statusReport is `bootstage status --json`: one entry per stage in boot
// order. Unit states are systemd's own words (ActiveState, SubState), so a
// script can compare them with `systemctl show`.
type statusReport struct {
	Stages []stageStatus `json:"stages"`
}

type stageStatus struct {
	Name       string            `json:"name"`
	Open       bool              `json:"open"` // the stage target is active
	Timeout    string            `json:"timeout"`
	OnTimeout  string            `json:"on_timeout"`
	Target     UnitState         `json:"target"`
	Gate       UnitState         `json:"gate"`
	Components []componentStatus `json:"components"`
	Resources  []resourceStatus  `json:"resources,omitempty"`
}

// resourceStatus is a network, volume or image unit that components of the
// stage require.
type resourceStatus struct {
	Kind  string    `json:"kind"`
	Name  string    `json:"name"`
	State UnitState `json:"state"`
}

type componentStatus struct {
	Name    string    `json:"name"`
	Runtime string    `json:"runtime"`
	Check   string    `json:"check"`
	Probe   string    `json:"probe,omitempty"`
	State   UnitState `json:"state"`
	// Health is healthy, unhealthy, unknown (the gate is not running) or
	// none (no check); HealthDetail is the gate's reason when unhealthy.
	Health       string `json:"health"`
	HealthDetail string `json:"health_detail,omitempty"`
}

// collectStatus asks systemd for every unit of stages.
func collectStatus(ctx context.Context, sd Systemd, stages []*stageView) (*statusReport, error) {
	r := &statusReport{Stages: []stageStatus{}}
	for _, s := range stages {
		ss := stageStatus{Name: s.Name, OnTimeout: s.OnTimeout, Timeout: config.FormatDuration(s.Timeout),
			Components: []componentStatus{}}
		var err error
		if ss.Target, err = sd.State(ctx, s.Target); err != nil {
			return nil, err
		}
		if ss.Gate, err = sd.State(ctx, s.Gate); err != nil {
			return nil, err
		}
		ss.Open = ss.Target.ActiveState == "active"
		for _, c := range s.Components {
			st, err := sd.State(ctx, c.Unit)
			if err != nil {
				return nil, err
			}
			cs := componentStatus{Name: c.Name, Runtime: c.Runtime, Check: c.Check, Probe: c.Probe, State: st}
			cs.Health, cs.HealthDetail = healthOf(c, st, ss.Gate)
			ss.Components = append(ss.Components, cs)
		}
		for _, res := range s.Resources {
			st, err := sd.State(ctx, res.Unit)
			if err != nil {
				return nil, err
			}
			ss.Resources = append(ss.Resources, resourceStatus{Kind: res.Kind, Name: res.Name, State: st})
		}
		r.Stages = append(r.Stages, ss)
	}
	return r, nil
}

// healthOf reads a component's health from its gate's STATUS= text
// (healthd/status.go): "[degraded: ...; ]2/3 healthy; dns: connection
// refused[; and 2 more]". It names who is not healthy, "checking" for a
// probe without a result yet; a long list is cut, and then a component it
// does not name may be healthy or not.
func healthOf(c *componentView, unit, gate UnitState) (string, string) {
	switch c.Check {
	case string(config.CheckNone):
		return "none", ""
	case unwatched:
		return unwatched, "invalid configuration: the unit fails at start"
	}
	gateUp := gate.ActiveState == "active" || gate.ActiveState == "activating"
	if !gateUp {
		return "unknown", ""
	}
	if unit.ActiveState != "active" && unit.ActiveState != "reloading" {
		return "unhealthy", "unit " + unit.ActiveState
	}
	cut := false
	for _, part := range strings.Split(gate.StatusText, "; ") {
		if strings.HasPrefix(part, "and ") && strings.HasSuffix(part, " more") {
			cut = true
		}
		name, why, ok := strings.Cut(part, ": ")
		if !ok || name != c.Name {
			continue
		}
		if why == "checking" {
			return "unknown", why
		}
		return "unhealthy", why
	}
	if cut || gate.StatusText == "" {
		return "unknown", ""
	}
	return "healthy", ""
}

// allGood says whether a report deserves exit code 0.
func (r *statusReport) allGood() bool {
	for _, s := range r.Stages {
		if !s.Open {
			return false
		}
		for _, c := range s.Components {
			if c.Health == "unhealthy" || c.State.ActiveState == "failed" {
				return false
			}
		}
		for _, res := range s.Resources {
			if res.State.ActiveState == "failed" {
				return false
			}
		}
	}
	return true
}

func writeStatusJSON(w io.Writer, r *statusReport) error { return writeJSON(w, r) }

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeStatusText prints the report for a person: a line per stage, then
// its gate and one aligned line per component.
func writeStatusText(w io.Writer, r *statusReport, st style, now time.Time) {
	nameW, unitW, rtW, stateW := 4, 4, 4, 4
	for _, s := range r.Stages {
		for _, c := range s.Components {
			nameW = max(nameW, len(c.Name))
			unitW = max(unitW, len(c.State.Unit))
			rtW = max(rtW, len(c.Runtime))
			stateW = max(stateW, len(stateWords(c.State)+since(c.State, now)))
		}
	}
	for i, s := range r.Stages {
		if i > 0 {
			fmt.Fprintln(w)
		}
		t := stateTone(s.Target.ActiveState)
		fmt.Fprintf(w, "%s%s  %s%s  (%s)\n", st.mark(t), st.bold("stage "+s.Name),
			st.paint(t, stateWords(s.Target)), since(s.Target, now), policyText(s.OnTimeout, s.Timeout))
		gt := stateTone(s.Gate.ActiveState)
		gate := "  " + st.mark(gt) + "gate " + st.paint(gt, gateWords(s.Gate))
		if s.Gate.StatusText != "" {
			gate += ": " + s.Gate.StatusText
		}
		fmt.Fprintln(w, gate)
		for _, c := range s.Components {
			ct := stateTone(c.State.ActiveState)
			fmt.Fprintf(w, "  %s%s  %s  %s  %s  %s\n", st.mark(ct), pad(c.Name, nameW), pad(c.State.Unit, unitW),
				pad(c.Runtime, rtW), pad(st.paint(ct, stateWords(c.State))+since(c.State, now), stateW), healthWords(st, c))
		}
		if len(s.Components) == 0 {
			fmt.Fprintln(w, "  (no components)")
		}
		for _, res := range s.Resources {
			rt := stateTone(res.State.ActiveState)
			fmt.Fprintf(w, "  %s%s  %s  %s\n", st.mark(rt), pad(res.Kind+" "+res.Name, nameW), pad(res.State.Unit, unitW),
				st.paint(rt, stateWords(res.State))+since(res.State, now))
		}
	}
}

func healthWords(st style, c componentStatus) string {
	h := c.Health
	switch h {
	case "healthy":
		h = st.paint(toneGood, h)
	case "unhealthy":
		h = st.paint(toneBad, h)
		if c.HealthDetail != "" {
			h += " (" + c.HealthDetail + ")"
		}
	}
	return h
}

// stateWords is systemctl's "active (running)".
func stateWords(u UnitState) string {
	if u.LoadState == "not-found" {
		return "not loaded"
	}
	if u.SubState == "" || u.SubState == u.ActiveState {
		return u.ActiveState
	}
	return u.ActiveState + " (" + u.SubState + ")"
}

// gateWords says what a gate's state means for the stage.
func gateWords(u UnitState) string {
	switch {
	case u.LoadState == "not-found":
		return "not loaded (run systemctl daemon-reload?)"
	case u.ActiveState == "active":
		return "open"
	case u.ActiveState == "activating":
		return "waiting"
	case u.ActiveState == "failed":
		return "failed (" + u.Result + ")"
	}
	return "closed"
}

func policyText(onTimeout, timeout string) string {
	if onTimeout == "block" {
		return "block: waits for health for ever"
	}
	return onTimeout + " after " + timeout
}

// since renders " since 15:04:05", with the date when not today, in now's
// time zone.
func since(u UnitState, now time.Time) string {
	if u.Since.IsZero() {
		return ""
	}
	t := u.Since.In(now.Location())
	layout := "15:04:05"
	if t.Format(time.DateOnly) != now.Format(time.DateOnly) {
		layout = time.DateTime
	}
	return " since " + t.Format(layout)
}
