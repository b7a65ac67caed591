package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/bootstage/bootstage/units"
)

// Stack is what tests expect of a config tree, read independently of the
// generator (a test oracle, not a second loader): stages in boot order,
// and per stage the unit of every component with its published ports.
// It reads only the keys it needs and trusts the tree to be valid.
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
	Runtime string   // podman | qemu
	Ports   []string // "IP:PORT" as reachable inside the machine
	Restart string   // the restart policy as written ("" = none given)
}

type stackFile struct {
	Stage []struct {
		Name     string
		Services []string
	}
}

type serviceFile struct {
	Name       string
	Stage      string
	Components []struct {
		Name    string
		Runtime string
		Ports   []string
		Restart string
	}
}

// ReadStack reads the tree dir (stages.toml, services/*.toml).
func ReadStack(dir string) (*Stack, error) {
	var sf stackFile
	if _, err := toml.DecodeFile(filepath.Join(dir, "stages.toml"), &sf); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("read stack %s: %w", dir, err)
	}
	names := []string{"default"}
	stageOf := map[string]string{} // service -> stage, from stages.toml lists
	if len(sf.Stage) > 0 {
		names = names[:0]
		for _, s := range sf.Stage {
			names = append(names, s.Name)
			for _, svc := range s.Services {
				stageOf[svc] = s.Name
			}
		}
	}
	st := &Stack{}
	index := map[string]int{}
	for i, n := range names {
		target, err := units.StageTarget(n)
		if err != nil {
			return nil, err
		}
		gate, err := units.GateService(n)
		if err != nil {
			return nil, err
		}
		st.Stages = append(st.Stages, StackStage{Name: n, Target: target, Gate: gate})
		index[n] = i
	}
	files, _ := filepath.Glob(filepath.Join(dir, "services", "*.toml"))
	sort.Strings(files)
	for _, f := range files {
		var svc serviceFile
		if _, err := toml.DecodeFile(f, &svc); err != nil {
			return nil, fmt.Errorf("read stack %s: %w", f, err)
		}
		if svc.Name == "" {
			svc.Name = strings.TrimSuffix(filepath.Base(f), ".toml")
		}
		stage := svc.Stage
		if stage == "" {
			stage = stageOf[svc.Name]
		}
		if stage == "" {
			stage = names[0]
		}
		i, ok := index[stage]
		if !ok {
			return nil, fmt.Errorf("read stack %s: unknown stage %q", f, stage)
		}
		for _, c := range svc.Components {
			u, err := units.ServiceName(svc.Name, c.Name)
			if err != nil {
				return nil, err
			}
			rt := c.Runtime
			if rt == "" {
				rt = "podman"
			}
			sc := StackComponent{Unit: u, Runtime: rt, Restart: c.Restart}
			for _, p := range c.Ports {
				if a, ok := hostAddr(p); ok {
					sc.Ports = append(sc.Ports, a)
				}
			}
			st.Stages[i].Components = append(st.Stages[i].Components, sc)
		}
	}
	return st, nil
}

// hostAddr is the host side of a TCP publish spec [[ip:]hostPort:]containerPort[/tcp],
// with 127.0.0.1 for "all addresses"; false when no fixed host port is published.
func hostAddr(spec string) (string, bool) {
	spec, proto, _ := strings.Cut(spec, "/")
	if proto != "" && proto != "tcp" {
		return "", false
	}
	parts := strings.Split(spec, ":")
	var ip, port string
	switch len(parts) {
	case 2:
		port = parts[0]
	case 3:
		ip, port = parts[0], parts[1]
	default:
		return "", false
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "", false
	}
	if ip == "" || ip == "0.0.0.0" {
		ip = "127.0.0.1"
	}
	return ip + ":" + port, true
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
