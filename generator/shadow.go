package generator

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/units"
)

// A unit bootstage writes must never replace or hide one the system has
// (DESIGN §2.3): /run/systemd/generator ranks above /usr/lib/systemd/system,
// so a dbus.toml would replace D-Bus at the next boot, and below
// /etc/systemd/system, where a file of the same name would silently win.

// shadowHint ends every shadowing problem of a service file.
const shadowHint = "bootstage never replaces or hides a unit of the system"

// systemUnits is what systemd's unit search path provides: for each name,
// the unit files and symlinks (aliases, masks) that carry it, highest
// priority first.
type systemUnits map[string][]systemFile

type systemFile struct {
	path string
	link bool
}

// readSystemUnits lists the top level of every directory of dirs. It only
// reads directories (and, later, the links of names bootstage claims): a
// generator must not block boot. Subdirectories are drop-ins (NAME.d) and
// dependencies (NAME.wants), not units; a directory that cannot be read
// provides nothing.
func readSystemUnits(dirs []string) systemUnits {
	m := systemUnits{}
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() {
				m[e.Name()] = append(m[e.Name()], systemFile{filepath.Join(dir, e.Name()), e.Type()&fs.ModeSymlink != 0})
			}
		}
	}
	return m
}

// provider is the file that gives the system unit name, or "". A mask (a
// link to /dev/null, or an empty file: systemd.unit(5)) provides nothing:
// `systemctl mask web.service` is how an operator keeps a generated unit
// from starting, and a masked unit bootstage writes stays masked. A unit
// it masks in a later directory still counts.
func (s systemUnits) provider(name string) string {
	for _, f := range s[name] {
		if f.link {
			if target, _ := os.Readlink(f.path); target == "/dev/null" {
				continue
			}
		} else if fi, err := os.Stat(f.path); err == nil && fi.Size() == 0 {
			continue
		}
		return f.path
	}
	return ""
}

// shadowed says which unit of the system a unit named name would shadow:
// one of systemd's own by its name, or a file of the unit search path
// (the system's NAME); "" when none.
func (b *builder) shadowed(name string) string {
	if what := units.SystemdOwned(name); what != "" {
		return what
	}
	if p := b.system.provider(name); p != "" {
		return "the system's " + p
	}
	return ""
}

// shadowing returns the problems of a valid service whose units would
// shadow units of the system, each at the name of its component (at the
// file when the file name alone makes the unit name), and records them.
func (b *builder) shadowing(svc *config.Service) []error {
	var errs []error
	for i, c := range svc.Components {
		name, err := units.ServiceName(svc.Name, c.Name)
		if err != nil {
			continue // componentName reports it
		}
		what := b.shadowed(name)
		if what == "" {
			continue
		}
		p := config.Problem{File: svc.Source, Msg: fmt.Sprintf("unit %s would shadow %s", name, what),
			Hint: "rename the file: " + shadowHint}
		if c.Name != "" {
			p.Key = fmt.Sprintf("components.%d.name", i)
			p.Line, p.Col = load.Position(svc.Source, p.Key)
			p.Hint = "rename the service or the component: " + shadowHint
		}
		b.report(p)
		errs = append(errs, p)
	}
	return errs
}

// standInShadows reports that the failing stand-in of a file the loader
// refused would shadow a unit of the system: the stand-in is then not
// written either.
func (b *builder) standInShadows(br *config.Broken, name string) bool {
	what := b.shadowed(name)
	if what != "" {
		b.report(config.Problem{File: br.Source, Msg: fmt.Sprintf("unit %s would shadow %s", name, what),
			Hint: "rename the file: " + shadowHint})
	}
	return what != ""
}

// ownShadows checks a unit of bootstage's own (a stage's target or gate,
// bootstage.target) against the unit search path: a file of that name is
// reported once, at the stage's name in stages.toml when there is one, at
// the system's file otherwise, and bootstage's unit is not written.
func (b *builder) ownShadows(name string, st *config.Stage, index int) bool {
	p := b.system.provider(name)
	if p == "" {
		return false
	}
	b.withheld[name] = true
	if st != nil && st.Source != "" {
		key := fmt.Sprintf("stage.%d.name", index)
		line, col := load.Position(st.Source, key)
		b.report(config.Problem{File: st.Source, Line: line, Col: col, Key: key,
			Msg:  fmt.Sprintf("unit %s of stage %q would shadow the system's %s, so it is not written", name, st.Name, p),
			Hint: "remove or rename that file, or rename the stage: " + shadowHint})
		return true
	}
	b.report(config.Problem{File: p, Msg: fmt.Sprintf("this unit of the system has the name of bootstage's own %s, which is not written", name),
		Hint: "remove or rename this file: bootstage-*.target, bootstage-*-gate.service and bootstage.target are bootstage's"})
	return true
}

func (b *builder) report(p config.Problem) { b.out.Problems = append(b.out.Problems, p) }
