package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/bootstage/bootstage/generator/config"
	"github.com/bootstage/bootstage/units"
)

// stack is the config tree as the operator thinks of it: stages in boot
// order, each with its units and components. Every command that names
// stages or components reads it.
type stack struct {
	Stages []*stageView
	Broken []*config.Broken
}

type stageView struct {
	Name       string
	Target     string // bootstage-NAME.target
	Gate       string // bootstage-NAME-gate.service
	Timeout    time.Duration
	OnTimeout  string
	Health     string
	Components []*componentView
}

type componentView struct {
	Name      string // "service/component", or "service" for an unnamed one
	Service   string
	Component string
	Unit      string
	Runtime   string
	Check     string // the effective health check
	Probe     string // what the check talks to: host:port, URL or command
}

// buildStack names every unit of t. A name that cannot be a unit name is
// an error here; the generator reports it with its position.
func buildStack(t *config.Tree) (*stack, error) {
	st := &stack{Broken: t.Broken}
	for _, s := range t.Stages {
		sv, err := stageOf(t, s)
		if err != nil {
			return nil, err
		}
		st.Stages = append(st.Stages, sv)
	}
	return st, nil
}

func stageOf(t *config.Tree, s *config.Stage) (*stageView, error) {
	target, err := units.StageTarget(s.Name)
	if err != nil {
		return nil, fmt.Errorf("stage %q: %w", s.Name, err)
	}
	gate, err := units.GateService(s.Name)
	if err != nil {
		return nil, fmt.Errorf("stage %q: %w", s.Name, err)
	}
	onTimeout := string(s.OnTimeout)
	if onTimeout == "" {
		onTimeout = string(config.Proceed)
	}
	sv := &stageView{Name: s.Name, Target: target, Gate: gate, Timeout: s.Timeout, OnTimeout: onTimeout, Health: s.Health}
	for _, svc := range servicesOf(t, s) {
		for _, c := range svc.Components {
			cv, err := componentOf(s, svc, c)
			if err != nil {
				return nil, err
			}
			sv.Components = append(sv.Components, cv)
		}
	}
	// A service whose file is invalid still has a unit, which fails and
	// says why; the gate watches it as a systemd check.
	for _, br := range t.Broken {
		if br.Stage != s.Name || br.Name == "" {
			continue
		}
		unit, err := units.ServiceName(br.Name, "")
		if err != nil {
			continue
		}
		sv.Components = append(sv.Components, &componentView{Name: br.Name, Service: br.Name,
			Unit: unit, Runtime: "invalid", Check: "systemd"})
	}
	return sv, nil
}

// servicesOf lists the services of stage s: those the loader placed in it,
// and any whose stage = names it (the loader may fill either).
func servicesOf(t *config.Tree, s *config.Stage) []*config.Service {
	seen := map[*config.Service]bool{}
	var out []*config.Service
	for _, svc := range s.Services {
		seen[svc] = true
		out = append(out, svc)
	}
	for _, svc := range t.Services {
		if !seen[svc] && svc.Stage == s.Name {
			out = append(out, svc)
		}
	}
	return out
}

func componentOf(s *config.Stage, svc *config.Service, c *config.Component) (*componentView, error) {
	unit, err := units.ServiceName(svc.Name, c.Name)
	if err != nil {
		return nil, fmt.Errorf("component %s/%s: %w", svc.Name, c.Name, err)
	}
	name := svc.Name
	if c.Name != "" {
		name += "/" + c.Name
	}
	rt := string(c.Runtime)
	if rt == "" {
		rt = string(config.Podman)
	}
	check := c.Health.Check
	if check == "" {
		check = s.Health
	}
	if check == "" {
		check = "tcp"
	}
	return &componentView{Name: name, Service: svc.Name, Component: c.Name, Unit: unit,
		Runtime: rt, Check: check, Probe: probeOf(check, c)}, nil
}

// probeOf is what a check talks to, with the defaults of DESIGN §2: host
// 127.0.0.1, port of the first published port.
func probeOf(check string, c *config.Component) string {
	h := c.Health
	host, port := h.Host, h.Port
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 && len(c.Ports) > 0 {
		port = c.Ports[0].HostPort
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	switch check {
	case "tcp", "grpc":
		if port == 0 {
			return ""
		}
		return addr
	case "http", "https":
		if port == 0 {
			return ""
		}
		path := h.Path
		if path == "" {
			path = "/"
		}
		return check + "://" + addr + path
	case "exec":
		return strings.Join(h.Command, " ")
	}
	return ""
}

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
