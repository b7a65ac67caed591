package harness

import (
	"fmt"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/units"
)

// Stack is what tests expect of a config tree: stages in boot order, and
// per stage the unit of every component with its published ports. It is
// read with bootstage's own loader and model (config/load, config), so the
// tests and the generator agree on every word and default; what the tests
// then check is that systemd does what the units say.
type Stack struct {
	Stages []StackStage
}

// StackStage is one stage and the components the generator must run in it.
type StackStage struct {
	Name       string
	Target     string // bootstage-NAME.target
	Gate       string // bootstage-NAME-gate.service
	Components []StackComponent
}

// StackComponent is one component's unit and published TCP ports.
type StackComponent struct {
	Unit    string
	Runtime config.Runtime
	Nanos   bool           // a unikernel: the machine needs Nanos's files (InstallNanos)
	Ports   []string       // "IP:PORT" as reachable inside the machine
	Restart config.Restart // the policy, defaults applied
}

// ReadStack reads the tree dir (stages.toml, services/*.toml). A tree
// with problems is an error: the tests' trees are valid.
func ReadStack(dir string) (*Stack, error) {
	tree, problems := load.Tree([]string{dir}, "")
	if ps := problems.Errors(); len(ps) > 0 {
		return nil, fmt.Errorf("read stack %s:\n%w", dir, ps)
	}
	st := &Stack{}
	for _, s := range tree.Stages {
		target, err := units.StageTarget(s.Name)
		if err != nil {
			return nil, err
		}
		gate, err := units.GateService(s.Name)
		if err != nil {
			return nil, err
		}
		ss := StackStage{Name: s.Name, Target: target, Gate: gate}
		for _, svc := range s.Services {
			for _, c := range svc.Components {
				sc, err := stackComponent(svc, c)
				if err != nil {
					return nil, err
				}
				ss.Components = append(ss.Components, sc)
			}
		}
		st.Stages = append(st.Stages, ss)
	}
	return st, nil
}

func stackComponent(svc *config.Service, c *config.Component) (StackComponent, error) {
	u, err := units.ServiceName(svc.Name, c.Name)
	if err != nil {
		return StackComponent{}, err
	}
	sc := StackComponent{Unit: u, Runtime: c.Runtime, Nanos: c.Nanos, Restart: c.Restart}
	for _, p := range c.Ports {
		if a, ok := p.Address(); ok {
			sc.Ports = append(sc.Ports, a)
		}
	}
	return sc, nil
}

// Units is every component unit of the stack, in stage order.
func (s *Stack) Units() []string {
	var u []string
	for _, st := range s.Stages {
		for _, c := range st.Components {
			u = append(u, c.Unit)
		}
	}
	return u
}

// Nanos reports whether a component of the stack is a unikernel.
func (s *Stack) Nanos() bool {
	for _, st := range s.Stages {
		for _, c := range st.Components {
			if c.Nanos {
				return true
			}
		}
	}
	return false
}
