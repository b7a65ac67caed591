package generator

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/internal/parallel"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

type builder struct {
	host  runtimes.Host
	out   *Output
	names map[string]string // unit name -> what claimed it, for collisions
	// system is what the unit search path provides; withheld are units of
	// bootstage's own not written because a system file has their name.
	system   systemUnits
	withheld map[string]bool
	// emit, when set, takes each component unit as soon as a worker has
	// built it, instead of Output.Units: the generator writes it out and
	// drops it, so thousands of unit models are never alive at once.
	emit func(*units.File) error
	// needs are the resource units each component requires, set before
	// the component units are built (see resources).
	needs map[*config.Component][]string
}

// Stage is one stage as the generator wrote it: the names of its units
// and what its gate watches. The command line shows these, so that what it
// shows is what systemd runs.
type Stage struct {
	Name       string
	Target     string // bootstage-NAME.target
	Gate       string // bootstage-NAME-gate.service
	Timeout    time.Duration
	OnTimeout  config.OnTimeout
	Health     config.Check // the stage's default check ("" for none)
	Components []Component
}

// Component is one component unit of a stage, as generated.
type Component struct {
	Name      string // config.DisplayName of service and component
	Service   string
	Component string // "" for a service's one unnamed component
	Unit      string
	Runtime   config.Runtime // "" for a failing stand-in
	// Probe is what the gate checks; nil when the gate does not watch the
	// unit: a stand-in for an invalid file, which fails at start.
	Probe *spec.Probe
}

// units are the names of the stage's component units, in order.
func (st *Stage) units() []string {
	names := make([]string, len(st.Components))
	for i, c := range st.Components {
		names[i] = c.Unit
	}
	return names
}

// probes are what the stage's gate checks, in order.
func (st *Stage) probes() []spec.Probe {
	var ps []spec.Probe
	for _, c := range st.Components {
		if c.Probe != nil {
			ps = append(ps, *c.Probe)
		}
	}
	return ps
}

func (b *builder) build() {
	tree := b.out.Tree
	b.ownShadows(MainTarget, nil, 0)
	defer b.linkMainTarget()
	if tree.BrokenStages == nil && len(tree.Services) == 0 && len(tree.Broken) == 0 {
		// Nothing to run: no stage has anything to wait for, so no stage
		// unit and no gate, only a bootstage.target that starts nothing.
		b.add(emptyTarget())
		return
	}
	var required []string
	if tree.BrokenStages != nil {
		// Claimed before the stand-ins of the services, which it outranks.
		b.claim(StagesUnit, tree.BrokenStages.Source)
		b.ownShadows(StagesUnit, nil, 0)
		b.add(brokenStagesUnit(tree.BrokenStages))
		required = append(required, StagesUnit)
	}
	stages := tree.Stages
	// Stage units claim their names first: a service cannot take them.
	for i, st := range stages {
		for _, name := range []string{mustName(units.StageTarget(st.Name)), mustName(units.GateService(st.Name))} {
			b.claim(name, "stage "+st.Name)
			b.ownShadows(name, st, i)
		}
	}
	// Names are claimed in order, so collisions resolve the same way every
	// time; the units themselves are then built in parallel.
	var jobs []*job
	b.out.Stages = make([]Stage, len(stages))
	places := placesOf(stages)
	for i := range stages {
		b.out.Stages[i] = b.stage(places[i], &jobs)
	}
	b.resources()
	b.buildAll(jobs)
	for i := range stages {
		gs := &b.out.Stages[i]
		b.add(stageTarget(places[i].stage, gs), b.gate(places[i], gs))
		required = append(required, gs.Target)
	}
	b.add(mainTarget(required, b.brokenWithoutStage()))
}

// linkMainTarget has multi-user.target want bootstage.target, unless a
// system file of that name withheld it.
func (b *builder) linkMainTarget() {
	if !b.withheld[MainTarget] {
		b.out.Links = append(b.out.Links, Link{Name: "multi-user.target.wants/" + MainTarget, Target: "../" + MainTarget})
	}
}

// add adds units of bootstage's own to the output, but not those a system
// file has the name of.
func (b *builder) add(fs ...*units.File) {
	for _, f := range fs {
		if !b.withheld[f.Name] {
			b.out.Units = append(b.out.Units, f)
		}
	}
}

// job is one component unit to build.
type job struct {
	name string
	svc  *config.Service
	c    *config.Component
	at   place
	gen  *Component  // its entry in Output.Stages
	f    *units.File // nil once emitted
	err  error       // why the unit could not be built
	werr error       // from emit
}

// place is where a stage stands in the boot order: the stage before it,
// and the nearest earlier stage whose policy (block or fail) must hold
// back every later stage, not only the next one.
type place struct {
	stage, prev, barrier *config.Stage
}

func placesOf(stages []*config.Stage) []place {
	places := make([]place, len(stages))
	var barrier *config.Stage
	for i, st := range stages {
		places[i].stage = st
		if i > 0 {
			places[i].prev = stages[i-1]
		}
		places[i].barrier = barrier
		if st.OnTimeout != config.Proceed {
			barrier = st
		}
	}
	return places
}

// stage claims the names of every component of st and queues their units;
// broken services get their failing units at once.
func (b *builder) stage(at place, jobs *[]*job) Stage {
	st := at.stage
	gs := Stage{Name: st.Name, Target: mustName(units.StageTarget(st.Name)), Gate: mustName(units.GateService(st.Name)),
		Timeout: st.Timeout, OnTimeout: st.OnTimeout, Health: st.Health}
	var queued []*job
	var refused []*config.Broken
	for _, svc := range st.Services {
		// A file whose units would shadow the system's is refused whole, as
		// a broken one: its stand-in says why, unless it would shadow too
		// (dbus.toml); then the file gets no unit, only its problems.
		if errs := b.shadowing(svc); len(errs) > 0 {
			if n, err := units.ServiceName(svc.Name, ""); err == nil && b.shadowed(n) == "" {
				refused = append(refused, &config.Broken{Name: svc.Name, Stage: svc.Stage, Source: svc.Source, Errors: errs})
			}
			continue
		}
		for _, c := range svc.Components {
			name, ok := b.componentName(svc.Name, c.Name, svc.Source)
			if !ok {
				continue
			}
			p := probe(svc, c, name)
			gs.Components = append(gs.Components, Component{Name: p.Component, Service: svc.Name,
				Component: c.Name, Unit: name, Runtime: c.Runtime, Probe: &p})
			queued = append(queued, &job{name: name, svc: svc, c: c, at: at})
		}
	}
	// Components is complete: its entries no longer move.
	for i, j := range queued {
		j.gen = &gs.Components[i]
	}
	*jobs = append(*jobs, queued...)
	for _, br := range slices.Concat(b.out.Tree.Broken, refused) {
		if br.Stage != st.Name {
			continue
		}
		// The stage target wants the failing unit, so it fails where the
		// operator looks, but the gate does not wait for it: one broken
		// file must not hold back the stack.
		for _, f := range b.broken(br) {
			at.deps(f)
			gs.Components = append(gs.Components, Component{Name: br.Name, Service: br.Name, Unit: f.Name})
		}
	}
	return gs
}

// buildAll builds the queued units on every CPU, then adds them (unless
// emitted), and the problems they met, in queue order: the output does not
// depend on which worker finished first.
func (b *builder) buildAll(jobs []*job) {
	parallel.For(len(jobs), func(i int) { b.run(jobs[i]) })
	for _, j := range jobs {
		var p *parallel.Panic
		switch {
		case errors.As(j.err, &p):
			b.out.Problems = append(b.out.Problems, config.InternalError(j.svc.Source, j.err))
		case j.err != nil:
			b.problem(j.svc.Source, j.err.Error())
		}
		if j.werr != nil {
			b.out.writeErrs = append(b.out.writeErrs, j.werr)
		}
		if j.f != nil {
			b.out.Units = append(b.out.Units, j.f)
		}
	}
}

// run builds the unit of one job, and emits it. A unit that cannot be
// built, or whose building panics (a bug, which must cost no other file
// its units), is replaced by its file's failing stand-in.
func (b *builder) run(j *job) {
	err := parallel.Catch(func() { j.f = b.component(j.name, j.svc, j.c, j.at) })
	if err == nil {
		err = j.f.Err()
	}
	if err != nil {
		j.err = err
		j.f = brokenUnit(j.name, j.gen.Name, j.svc.Source, []error{err})
		j.at.deps(j.f)
		// a stand-in fails at start: the gate must not wait for it
		j.gen.Runtime, j.gen.Probe = "", nil
	}
	if b.emit != nil {
		f := j.f
		j.f = nil
		if err := parallel.Catch(func() { j.werr = b.emit(f) }); err != nil {
			j.werr = fmt.Errorf("writing %s: %w", f.Name, err)
		}
	}
}

// brokenWithoutStage generates the failing units of broken services whose
// stage is unknown, for bootstage.target to want directly.
func (b *builder) brokenWithoutStage() []string {
	var names []string
	for _, br := range b.out.Tree.Broken {
		if br.Stage != "" {
			continue
		}
		for _, f := range b.broken(br) {
			names = append(names, f.Name)
		}
	}
	return names
}

// broken makes the failing stand-in of a broken file. A file whose name
// is invalid gets none: the loader has said why, and the unit's name would
// need escaping. Nor does one whose stand-in would shadow a system unit.
func (b *builder) broken(br *config.Broken) []*units.File {
	if !config.ValidName(br.Name) {
		return nil
	}
	if name, err := units.ServiceName(br.Name, ""); err == nil && b.standInShadows(br, name) {
		return nil
	}
	name, ok := b.componentName(br.Name, "", br.Source)
	if !ok {
		return nil
	}
	f := brokenUnit(name, br.Name, br.Source, br.Errors)
	b.out.Units = append(b.out.Units, f)
	return []*units.File{f}
}

func (b *builder) componentName(service, component, source string) (string, bool) {
	name, err := units.ServiceName(service, component)
	if err != nil {
		b.problem(source, fmt.Sprintf("%s/%s: %v", service, component, err))
		return "", false
	}
	return name, b.claim(name, source)
}

// claim records that source generates unit name; false on a collision.
func (b *builder) claim(name, source string) bool {
	if prev, ok := b.names[name]; ok {
		b.problem(source, fmt.Sprintf("unit %s is already generated for %s; rename the service or component", name, prev))
		return false
	}
	b.names[name] = source
	return true
}

func (b *builder) problem(file, msg string) {
	b.out.Problems = append(b.out.Problems, config.Problem{File: file, Msg: msg})
}

// component builds the unit of one valid component.
func (b *builder) component(name string, svc *config.Service, c *config.Component, at place) *units.File {
	st := at.stage
	f := units.NewFile(name, header(svc.Source, svc.DropIns...)...)
	u := f.Section("Unit")
	u.Text("Description", fmt.Sprintf("%s (%s, bootstage stage %s)", config.DisplayName(svc.Name, c.Name), runtimeWord(c), st.Name))
	u.Text("SourcePath", svc.Source)
	at.deps(f)
	rt := runtimeOf(c.Runtime)
	if rt == nil {
		return brokenUnit(name, config.DisplayName(svc.Name, c.Name), svc.Source,
			[]error{fmt.Errorf("runtime %q is not built into this bootstage", c.Runtime)})
	}
	b.resourceDeps(f, c)
	rt.Fill(f, svc, c, b.host)
	routes(f, c, b.out.Tree.Node.Routes)
	b.secrets(f, c)
	return f
}

// deps orders a unit of the stage (a component or the gate) after the
// stage before it and ties it to its own stage target (DESIGN §3): it
// requires the stage before when that one's policy is block or fail, only
// wants it under proceed, and always requires the nearest earlier block or
// fail stage, so a stage that failed holds back every stage after it, not
// only the next.
func (at place) deps(f *units.File) {
	u := f.Section("Unit")
	if at.prev == nil {
		u.Names("Wants", "network-online.target")
		u.Names("After", "network-online.target")
	} else {
		target := mustName(units.StageTarget(at.prev.Name))
		u.Names("After", target)
		if at.prev.OnTimeout == config.Proceed {
			u.Names("Wants", target)
		} else {
			u.Names("Requires", target)
		}
	}
	if at.barrier != nil && at.barrier != at.prev {
		u.Names("Requires", mustName(units.StageTarget(at.barrier.Name)))
	}
	u.Names("PartOf", mustName(units.StageTarget(at.stage.Name)))
}

func runtimeWord(c *config.Component) string {
	switch {
	case c.Nanos:
		return "Nanos unikernel"
	case c.Runtime == config.QEMU:
		return "qemu VM"
	}
	return "podman container"
}

// header is the comment atop a unit: what it was generated from, the
// drop-ins merged over that file included, in the order they applied.
func header(source string, dropIns ...string) []string {
	if source == "" {
		return []string{"Generated by bootstage-generator. Changes here are lost at the next daemon-reload."}
	}
	h := []string{"Generated by bootstage-generator from " + source + "."}
	if len(dropIns) > 0 {
		h = append(h, "Drop-ins merged over it, in this order:")
		for _, d := range dropIns {
			h = append(h, "  "+d)
		}
		return append(h, "Edit those files and run `systemctl daemon-reload`; changes here are lost.")
	}
	return append(h, "Edit that file and run `systemctl daemon-reload`; changes here are lost.")
}

// mustName is for names built from validated stage names, at most 64
// plain characters, which can never exceed the length limit.
func mustName(n string, _ error) string { return n }
