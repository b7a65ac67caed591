package generator

import (
	"fmt"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/units"
)

// stageTarget is bootstage-S.target: it wants the stage's components and
// is reached only once its gate has said READY=1.
func stageTarget(st *config.Stage, gs *Stage) *units.File {
	f := units.NewFile(gs.Target, header(st.Source)...)
	u := f.Section("Unit")
	u.Text("Description", "bootstage stage "+st.Name)
	u.Literal("Documentation", "man:bootstage.toml(5)")
	if st.Source != "" {
		u.Text("SourcePath", st.Source)
	}
	// stopping bootstage.target stops every stage, and so every component
	u.Names("PartOf", MainTarget)
	u.Names("Wants", gs.units()...)
	u.Names("Requires", gs.Gate)
	u.Names("After", gs.Gate)
	return f
}

// mainTarget is bootstage.target, which multi-user.target wants. It
// requires and follows every stage target (or, when stages.toml is
// invalid, StagesUnit), so it is active exactly when the whole stack is
// up, fails when a stage fails, and `systemctl start bootstage.target`
// returns when the stack is up. broken are the failing units of service
// files whose stage is unknown.
func mainTarget(required, broken []string) *units.File {
	f := units.NewFile(MainTarget, header("")...)
	u := f.Section("Unit")
	u.Text("Description", "bootstage: every stage of this node")
	u.Literal("Documentation", "man:bootstage(1)")
	u.Names("Requires", required...)
	u.Names("After", required...)
	u.Names("Wants", broken...)
	return f
}

// emptyTarget is bootstage.target when no service runs on this node: it
// starts nothing, so `systemctl start bootstage.target` succeeds at once
// and says why in its description, and no gate watches nothing.
func emptyTarget() *units.File {
	f := units.NewFile(MainTarget, append(header(""),
		"No service of the configuration runs on this node: this target starts nothing.")...)
	u := f.Section("Unit")
	u.Text("Description", "bootstage: no service on this node")
	u.Literal("Documentation", "man:bootstage(1)")
	return f
}

// StagesUnit stands in for an invalid stages.toml: bootstage.target
// requires it, so the target fails instead of becoming active with
// nothing running, and starting it prints the problems.
const StagesUnit = "bootstage-stages.service"

// brokenStagesUnit is StagesUnit for the invalid stages.toml br. Its
// output also goes to bootstage.target's journal (journalctl -u and
// systemctl status show lines of a root process that name the unit in
// OBJECT_SYSTEMD_UNIT=), where the operator looks first.
func brokenStagesUnit(br *config.Broken) *units.File {
	f := brokenUnit(StagesUnit, "bootstage stages.toml", br.Source, br.Errors)
	f.Section("Service").Literal("LogExtraFields", "OBJECT_SYSTEMD_UNIT="+MainTarget)
	return f
}

// probe is the health check of one component as the gate runs it: its
// resolved Health (config.ResolveHealth), in the gate's words.
func probe(svc *config.Service, c *config.Component, unit string) spec.Probe {
	h := c.Health
	p := spec.Probe{
		Component:   config.DisplayName(svc.Name, c.Name),
		Unit:        unit,
		Check:       h.Check,
		Target:      h.Target(),
		Interval:    h.Interval,
		Timeout:     h.Timeout,
		Threshold:   h.Threshold,
		OnUnhealthy: h.OnUnhealthy,
	}
	switch h.Check {
	case config.CheckGRPC:
		p.GRPCService = h.Service
	case config.CheckHTTP, config.CheckHTTPS:
		p.HTTPStatus = h.Status
	case config.CheckExec:
		p.Command = h.Command
	}
	return p
}

// brokenUnit stands in for a component whose configuration is invalid:
// starting it fails and prints why, so `systemctl status` and
// `journalctl -u` tell the operator what to fix.
func brokenUnit(name, display, source string, errs []error) *units.File {
	f := units.NewFile(name, header(source)...)
	u := f.Section("Unit")
	u.Text("Description", oneLine(display)+" (invalid bootstage configuration)")
	u.Text("SourcePath", oneLine(source))
	s := f.Section("Service")
	s.Literal("Type", "oneshot")
	// One message per line: the shell prints each argument on its own line.
	groups := [][]string{
		{"/bin/sh", "-c", `for line in "$@"; do echo "$line" >&2; done; exit 1`, "bootstage"},
		{"bootstage: " + oneLine(source) + " is invalid; this unit fails until it is fixed:"},
	}
	size := 0
	for i, e := range errs {
		msg := "  " + oneLine(e.Error())
		if size += len(msg); size > maxShownErrors {
			groups = append(groups, []string{fmt.Sprintf("  ... and %d more: bootstage validate lists them", len(errs)-i)})
			break
		}
		groups = append(groups, []string{msg})
	}
	s.Exec("ExecStart", "", groups...)
	return f
}

// maxShownErrors bounds the bytes of messages a failing unit shows, far
// below the longest line systemd reads (units.MaxLineLen), whatever a file
// did wrong: the unit must load to say anything.
const maxShownErrors = 64 << 10

// oneLine makes text safe to stand in a unit file: one line of valid
// UTF-8, whatever a file name or an error message held.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == 0 {
			return ' '
		}
		return r
	}, s)
}
