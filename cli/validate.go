package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
)

// validate prints every problem of the config and says whether it is clean.
func (a *app) validate(dirs []string) error {
	out, err := a.generate(dirs)
	if err != nil {
		return err
	}
	writeProblems(a.env.Stdout, out.Problems)
	if n := len(out.Problems.Errors()); n > 0 {
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
	fmt.Fprintln(a.env.Stdout)
	writeInactive(a.env.Stdout, out.Tree)
	return nil
}

// writeProblems prints one problem per line, paths relative to the working
// directory when below it, so editors and golden files read them alike.
func writeProblems(w io.Writer, ps config.Problems) {
	wd, _ := os.Getwd()
	for _, p := range ps {
		if rel, err := filepath.Rel(wd, p.File); err == nil && filepath.IsAbs(p.File) && !strings.HasPrefix(rel, "..") {
			p.File = rel
		}
		fmt.Fprintln(w, p.Error())
	}
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
