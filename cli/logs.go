package cli

import (
	"strconv"
	"strings"
)

// logsOptions are the arguments of `bootstage logs`.
type logsOptions struct {
	Name   string // SERVICE or SERVICE/COMPONENT; "" with Stage: the whole stage
	Stage  string
	Follow bool
	Lines  int // < 0: journalctl's default
}

// logs replaces the process with journalctl for the units o names, so
// paging, -f and colours are journalctl's own.
func (a *app) logs(st *stack, o logsOptions) error {
	units, err := logUnits(st, o)
	if err != nil {
		return err
	}
	return a.env.Exec(journalArgs(units, o))
}

func journalArgs(units []string, o logsOptions) []string {
	argv := []string{"journalctl"}
	for _, u := range units {
		argv = append(argv, "-u", u)
	}
	if o.Follow {
		argv = append(argv, "-f")
	}
	if o.Lines >= 0 {
		argv = append(argv, "-n", strconv.Itoa(o.Lines))
	}
	return argv
}

// logUnits picks the units: one component, every component of a service,
// or (with no name) every unit of the stage or of the whole stack.
func logUnits(st *stack, o logsOptions) ([]string, error) {
	stages := st.Stages
	if o.Stage != "" {
		s, err := st.stage(o.Stage)
		if err != nil {
			return nil, err
		}
		stages = []*stageView{s}
	}
	var units, known []string
	for _, s := range stages {
		for _, c := range s.Components {
			known = append(known, c.Name)
			if o.Name == "" || c.Name == o.Name || c.Service == o.Name && !strings.Contains(o.Name, "/") {
				units = append(units, c.Unit)
			}
		}
		if o.Name == "" {
			units = append(units, s.Gate, s.Target)
		}
	}
	if o.Name == "" && o.Stage == "" {
		units = append(units, allTarget)
	}
	if len(units) == 0 {
		kind := "service or component"
		if o.Stage != "" {
			kind += " in stage " + o.Stage
		}
		return nil, unknownName(kind, o.Name, withServices(known))
	}
	return units, nil
}

// withServices adds the service names to component names, for hints.
func withServices(components []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range components {
		for _, n := range []string{strings.SplitN(c, "/", 2)[0], c} {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
