package cli

import (
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
)

// stack is the config tree as the operator thinks of it: stages in boot
// order, each with its units and components. Every command that names
// stages or components reads it.
type stack struct {
	Stages       []*stageView
	Broken       []*config.Broken
	BrokenStages *config.Broken // an invalid stages.toml: no stage runs
}

type stageView struct {
	Name       string
	Target     string // bootstage-NAME.target
	Gate       string // bootstage-NAME-gate.service
	Timeout    time.Duration
	OnTimeout  string
	Health     string
	Components []*componentView
	// Resources are the network, volume and image units the stage's
	// components require, in the generator's order.
	Resources []resourceView
}

// resourceView is one resource unit and the component units needing it.
type resourceView struct {
	Kind, Name, Unit string
	Users            []string
}

type componentView struct {
	Name      string // "service/component", or "service" for an unnamed one
	Service   string
	Component string
	Unit      string
	Runtime   string
	Check     string // the check the gate runs, or unwatched
	Probe     string // what the check talks to: host:port, URL or command
}

// buildStack takes the stages, units and probes from what the generator
// produced, so that every command shows what systemd runs.
func buildStack(out *generator.Output) *stack {
	st := &stack{Broken: out.Tree.Broken, BrokenStages: out.Tree.BrokenStages}
	for _, gs := range out.Stages {
		sv := &stageView{Name: gs.Name, Target: gs.Target, Gate: gs.Gate, Timeout: gs.Timeout,
			OnTimeout: string(gs.OnTimeout), Health: string(gs.Health)}
		units := map[string]bool{}
		for _, gc := range gs.Components {
			sv.Components = append(sv.Components, componentOf(gc))
			units[gc.Unit] = true
		}
		sv.Resources = resourcesOf(out.Resources, units)
		st.Stages = append(st.Stages, sv)
	}
	return st
}

// componentOf is one component as the generator wrote it. A stand-in for
// an invalid file has no runtime and no probe: it fails at start, and no
// gate watches it.
func componentOf(gc generator.Component) *componentView {
	cv := &componentView{Name: gc.Name, Service: gc.Service, Component: gc.Component, Unit: gc.Unit,
		Runtime: string(gc.Runtime)}
	if gc.Probe == nil {
		cv.Runtime, cv.Check = invalidRuntime, unwatched
		return cv
	}
	cv.Check = string(gc.Probe.Check)
	cv.Probe = gc.Probe.Target
	if gc.Probe.Check == config.CheckExec {
		cv.Probe = strings.Join(gc.Probe.Command, " ")
	}
	return cv
}

// What the command line shows for a stand-in unit of an invalid file.
const (
	invalidRuntime = "invalid"
	unwatched      = "not watched"
)

// stageNames lists the stage names, for did-you-mean hints.
func (st *stack) stageNames() []string {
	var n []string
	for _, s := range st.Stages {
		n = append(n, s.Name)
	}
	return n
}

// index finds a stage by name.
func (st *stack) index(name string) (int, error) {
	for i, s := range st.Stages {
		if s.Name == name {
			return i, nil
		}
	}
	return -1, unknownName("stage", name, st.stageNames())
}

// stage finds a stage by name.
func (st *stack) stage(name string) (*stageView, error) {
	i, err := st.index(name)
	if err != nil {
		return nil, err
	}
	return st.Stages[i], nil
}

// upTo returns the stages from the first through name ("" = all): the ones
// starting name brings up, since each stage waits for the one before.
func (st *stack) upTo(name string) ([]*stageView, error) {
	if name == "" {
		return st.Stages, nil
	}
	i, err := st.index(name)
	if err != nil {
		return nil, err
	}
	return st.Stages[:i+1], nil
}

// from returns the stages from name through the last ("" = all): the ones
// stopping name may take down.
func (st *stack) from(name string) ([]*stageView, error) {
	if name == "" {
		return st.Stages, nil
	}
	i, err := st.index(name)
	if err != nil {
		return nil, err
	}
	return st.Stages[i:], nil
}

// resourcesOf lists the resources that any of units requires, each with
// those of its users.
func resourcesOf(all []generator.Resource, units map[string]bool) []resourceView {
	var out []resourceView
	for _, r := range all {
		var users []string
		for _, u := range r.Users {
			if units[u] {
				users = append(users, u)
			}
		}
		if len(users) > 0 {
			out = append(out, resourceView{Kind: r.Kind, Name: r.Name, Unit: r.Unit, Users: users})
		}
	}
	return out
}
