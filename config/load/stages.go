package load

import (
	"github.com/bootstage/bootstage/config"

	"fmt"
	"strconv"
	"strings"
)

// Stages is a parsed stages.toml: the stages in boot order and which
// services they list by name.
type Stages struct {
	List   []*config.Stage
	File   string            // "" when there is no stages.toml
	member map[string]string // service -> stage, from services = [...]
	byName map[string]*config.Stage
}

// DefaultStages is the configuration without a stages.toml: one stage
// named "default" holding every service.
func DefaultStages() *Stages {
	st := &Stages{member: map[string]string{}, byName: map[string]*config.Stage{}}
	st.add(&config.Stage{Name: config.DefaultStage, Timeout: config.DefaultStageTimeout, OnTimeout: config.DefaultOnTimeout})
	return st
}

func (st *Stages) add(s *config.Stage) {
	st.List = append(st.List, s)
	st.byName[s.Name] = s
}

// Lookup returns the stage called name.
func (st *Stages) Lookup(name string) *config.Stage { return st.byName[name] }

// ParseStages reads stages.toml.
func ParseStages(file, src string) (*Stages, config.Problems) {
	d, t, err := parse(file, src)
	if err != nil {
		return nil, d.problems
	}
	st := &Stages{File: file, member: map[string]string{}, byName: map[string]*config.Stage{}}
	for _, s := range t.tables("stage") {
		st.parseStage(s)
	}
	t.done()
	checkStrings(d, t)
	if ps := d.finish(); len(ps) > 0 {
		return nil, ps
	}
	if len(st.List) == 0 {
		def := DefaultStages()
		def.File = file
		return def, nil
	}
	return st, nil
}

func (st *Stages) parseStage(t table) {
	s := &config.Stage{Source: t.d.file}
	t.d.lineOf(t.path, &s.Line)
	s.Name = t.str("name", "")
	s.Timeout = t.duration("timeout", config.DefaultStageTimeout)
	s.OnTimeout = enum(t, "on_timeout", config.DefaultOnTimeout, config.OnTimeouts)
	s.Health = enum(t, "health", "", config.Checks)
	switch {
	case s.Name == "":
		t.d.errAt(t.path, `add name = "foundation"`, "a stage needs a name")
	case !config.ValidName(s.Name):
		t.d.errAt(t.key("name"), config.NameHint, "invalid stage name %q", s.Name)
	case st.byName[s.Name] != nil:
		t.d.errAt(t.key("name"), "", "duplicate stage %q", s.Name)
	}
	if s.Timeout == 0 && s.OnTimeout != config.Block {
		t.d.errAt(t.key("timeout"), `use on_timeout = "block" to wait for ever`, "a zero timeout is only meaningful with block")
	}
	for i, svc := range t.strs("services") {
		if prev, ok := st.member[svc]; ok {
			t.d.errAt(join(t.key("services"), strconv.Itoa(i)), "a service belongs to one stage",
				"service %q is already in stage %q", svc, prev)
			continue
		}
		st.member[svc] = s.Name
	}
	t.done()
	if s.Name != "" && st.byName[s.Name] == nil {
		st.add(s)
	}
}

// resolve returns the stage of service name, from its own stage key or
// from stages.toml's lists, and reports the disagreements between them.
func (st *Stages) resolve(t table, name string) string {
	listed := st.member[name]
	if !t.has("stage") {
		switch {
		case listed != "":
			return listed
		case st.File == "" || st.byName["default"] != nil && len(st.List) == 1:
			return st.List[0].Name
		}
		t.d.errAt("", "add stage = \""+st.List[0].Name+"\" or list the service in "+st.File,
			"service %q is in no stage", name)
		return ""
	}
	stage := t.str("stage", "")
	if st.byName[stage] == nil {
		hint := "stages: " + strings.Join(st.names(), ", ")
		if c := config.Closest(stage, st.names()); c != "" {
			hint = fmt.Sprintf("did you mean %q? %s", c, hint)
		}
		t.d.errAt("stage", hint, "unknown stage %q", stage)
		return ""
	}
	if listed != "" && listed != stage {
		t.d.errAt("stage", "a service belongs to one stage",
			"stage %q disagrees with %s, which lists this service in stage %q", stage, st.File, listed)
	}
	return stage
}

// check is the default health check of a stage.
func (st *Stages) check(stage string) config.Check {
	if s := st.byName[stage]; s != nil {
		return s.Health
	}
	return ""
}

func (st *Stages) names() []string {
	var out []string
	for _, s := range st.List {
		out = append(out, s.Name)
	}
	return out
}
