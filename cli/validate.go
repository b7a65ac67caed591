package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/generator"
)

// validate prints every problem of the config and says whether it is
// clean. With no directory of the search path there is nothing to check,
// and saying "ok" would hide a config put in the wrong place.
func (a *app) validate(flagDirs []string) error {
	dirs, from, err := a.configPath(flagDirs)
	if err != nil {
		return err
	}
	if from == "" && !anyExists(dirs) {
		return fail(ExitError, "no configuration found in %s (put service files in %s/services, or name the config's directories with --config-path or %s)",
			strings.Join(dirs, ", "), dirs[0], load.ConfigPathEnv)
	}
	out, err := a.generateIn(dirs)
	if err != nil {
		return err
	}
	problems := append(append(config.Problems(nil), out.Problems...), missingVolumes(out.Tree)...)
	problems.Sort()
	writeProblems(a.env.Stdout, problems)
	if n := len(problems.Errors()); n > 0 {
		return fail(ExitFailure, "%d problem(s) in the config", n)
	}
	comps := 0
	for _, s := range out.Tree.Services {
		comps += len(s.Components)
	}
	fmt.Fprintf(a.env.Stdout, "ok: %d stage(s), %d service(s), %d component(s)", len(out.Tree.Stages), len(out.Tree.Services), comps)
	if n := len(out.Tree.Skipped); n > 0 {
		fmt.Fprintf(a.env.Stdout, "; %d service(s) not for this node", n)
	}
	if len(out.Stages) == 0 {
		fmt.Fprintf(a.env.Stdout, "; nothing runs on this node: %s starts nothing", generator.MainTarget)
	}
	fmt.Fprintln(a.env.Stdout)
	writeInactive(a.env.Stdout, out.Tree)
	return nil
}

// anyExists reports whether any of dirs exists (or may: a directory that
// cannot be looked at is for the loader to report).
func anyExists(dirs []string) bool {
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// missingVolumes warns of every bind-mounted host path that does not
// exist on this machine: the unit could not start without it. It is
// validate's alone: at boot, the generator runs before most mounts, so a
// path missing then may well be there when the unit starts.
func missingVolumes(tree *config.Tree) config.Problems {
	var ps config.Problems
	for _, svc := range tree.Services {
		for ci, c := range svc.Components {
			for vi, v := range c.Volumes {
				if !filepath.IsAbs(v.Host) {
					continue // a named volume: podman creates it
				}
				if _, err := os.Stat(v.Host); !errors.Is(err, fs.ErrNotExist) {
					continue
				}
				key := fmt.Sprintf("components.%d.volumes.%d", ci, vi)
				line, col := load.Position(svc.Source, key)
				ps = append(ps, config.Problem{File: svc.Source, Line: line, Col: col, Key: key, Warning: true,
					Msg:  fmt.Sprintf("host path %s does not exist here", v.Host),
					Hint: "the unit cannot start without it: create it, or make sure a mount provides it by then"})
			}
		}
	}
	return ps
}

// writeProblems prints one problem per line, paths relative to the working
// directory when below it, so editors and golden files read them alike.
func writeProblems(w io.Writer, ps config.Problems) {
	for _, p := range ps {
		p.File = relative(p.File)
		fmt.Fprintln(w, p.Error())
	}
}

// relative is file relative to the working directory when it is below it
// (and that is not /, where etc/bootstage would read worse).
func relative(file string) string {
	wd, _ := os.Getwd()
	if wd == "/" {
		return file
	}
	if rel, err := filepath.Rel(wd, file); err == nil && filepath.IsAbs(file) && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

// generateCmd prints (dryRun) or writes (into dir) the generator's output.
func (a *app) generateCmd(dirs []string, dryRun bool, dir string) error {
	if dryRun == (dir != "") {
		return fail(ExitError, "generate needs exactly one of --dry-run and --output DIR")
	}
	out, err := a.generate(dirs)
	if err != nil {
		return err
	}
	if dryRun {
		writeFiles(a.env.Stdout, out)
	} else if err := out.Write(dir); err != nil {
		return fmt.Errorf("writing the units: %w", err)
	}
	writeProblems(a.env.Stderr, out.Problems)
	if n := len(out.Problems.Errors()); n > 0 {
		return fail(ExitFailure, "%d problem(s) in the config; their units fail at start and say why", n)
	}
	return nil
}

// writeFiles prints every output file under a head(1)-style heading.
func writeFiles(w io.Writer, out *generator.Output) {
	links := map[string]string{}
	for _, l := range out.Links {
		links[l.Name] = l.Target
	}
	files := out.Files()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if t, ok := links[n]; ok {
			fmt.Fprintf(w, "==> %s -> %s <==\n", n, t)
			continue
		}
		fmt.Fprintf(w, "==> %s <==\n", n)
		w.Write(files[n])
	}
}
