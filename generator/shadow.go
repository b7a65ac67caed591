package generator

import (
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"slices"

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
// which of its directories hold a unit file or a symlink (an alias, a
// mask) of that name, as bit i for dirs[i]. Directories past the 64th are
// not read.
type systemUnits struct {
	dirs  []string
	names map[string]uint64
}

// readSystemUnits lists the top level of every directory of dirs. It only
// reads directories (and, later, the links of names bootstage claims): a
// generator must not block boot. Subdirectories are drop-ins (NAME.d) and
// dependencies (NAME.wants), not units; a directory that cannot be read
// provides nothing, and one seen already under another name (/lib and
// /usr/lib on a merged /usr) is not read twice.
func readSystemUnits(dirs []string) systemUnits {
	s := systemUnits{dirs: dirs, names: map[string]uint64{}}
	var seen []os.FileInfo
	for i, dir := range dirs[:min(len(dirs), 64)] {
		f, err := os.Open(dir)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil || slices.ContainsFunc(seen, func(o os.FileInfo) bool { return os.SameFile(o, fi) }) {
			f.Close()
			continue
		}
		seen = append(seen, fi)
		entries, _ := f.ReadDir(-1) // unsorted: order does not matter here
		f.Close()
		for _, e := range entries {
			if !e.IsDir() {
				s.names[e.Name()] |= 1 << i
			}
		}
	}
	return s
}

// provider is the file that gives the system unit name, or "". A mask (a
// link to /dev/null, or an empty file: systemd.unit(5)) provides nothing:
// `systemctl mask web.service` is how an operator keeps a generated unit
// from starting, and a masked unit bootstage writes stays masked. A unit
// it masks in a later directory still counts.
func (s systemUnits) provider(name string) string {
	for in := s.names[name]; in != 0; in &= in - 1 { // lowest bit first
		p := filepath.Join(s.dirs[bits.TrailingZeros64(in)], name)
		if !isMask(p) {
			return p
		}
	}
	return ""
}

// isMask reports whether the unit file p masks its name.
func isMask(p string) bool {
	if target, err := os.Readlink(p); err == nil {
		return target == "/dev/null"
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Size() == 0
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
