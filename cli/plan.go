package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

// plan compares the generator output systemd runs with (dir) against what
// the config produces now, prints added, removed and changed units with a
// unified diff for each change, and the unikernels whose next start builds
// a new image, and exits 1 when anything would change.
func (a *app) plan(ctx context.Context, out *generator.Output, dir string) error {
	live, err := readLive(dir)
	if err != nil {
		return err
	}
	want := wantedFiles(out)
	var added, removed, changed []string
	for name := range want {
		if _, ok := live[name]; !ok {
			added = append(added, name)
		} else if live[name] != want[name] {
			changed = append(changed, name)
		}
	}
	for name := range live {
		if _, ok := want[name]; !ok && isOurs(name, live, want) {
			removed = append(removed, name)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	sort.Strings(changed)
	w, st := a.env.Stdout, a.env.style()
	if n := len(out.Problems); n > 0 {
		fmt.Fprintf(a.env.Stderr, "warning: the config has %d problem(s) (bootstage validate lists them); their units fail at start\n", n)
	}
	writeInactive(w, out.Tree)
	writeRoutes(w, want, live)
	images := a.imagePlans(ctx, out)
	if len(added)+len(removed)+len(changed) == 0 {
		fmt.Fprintf(w, "no changes: %s matches the config\n", dir)
		if len(images) == 0 {
			return nil
		}
		printImages(w, st, images)
		fmt.Fprintf(w, "\n%d image(s) built at their unit's next start\n", len(images))
		return errSilent(ExitFailure)
	}
	for _, n := range added {
		fmt.Fprintf(w, "%s %s\n", st.paint(toneGood, "+ added  "), n)
	}
	for _, n := range removed {
		fmt.Fprintf(w, "%s %s\n", st.paint(toneBad, "- removed"), n)
	}
	for _, n := range changed {
		fmt.Fprintf(w, "%s %s\n", st.paint(toneWarn, "~ changed"), n)
	}
	printImages(w, st, images)
	for _, n := range changed {
		fmt.Fprintln(w)
		d := unifiedDiff(filepath.Join(dir, n), "config: "+n, live[n], want[n], 3)
		fmt.Fprint(w, colourDiff(st, d))
	}
	fmt.Fprintf(w, "\n%d added, %d removed, %d changed; systemctl daemon-reload applies them\n",
		len(added), len(removed), len(changed))
	if len(images) > 0 {
		fmt.Fprintf(w, "%d image(s) built at their unit's next start\n", len(images))
	}
	return errSilent(ExitFailure)
}

// imagePlan is a unikernel whose next start builds a new image, and why.
type imagePlan struct{ unit, reason string }

// imagePlans asks, for every unikernel of the config, whether the image
// its unit would build is the one its state directory holds (vm.PlanNanos
// compares their inputs' digests). What cannot be told is a warning.
func (a *app) imagePlans(ctx context.Context, out *generator.Output) []imagePlan {
	var plans []imagePlan
	for _, s := range out.Stages {
		for _, gc := range s.Components {
			c := findComponent(out.Tree, gc.Service, gc.Component)
			if gc.Runtime == "" || c == nil || !c.Nanos {
				continue
			}
			p, err := a.env.VMPlanNanos(ctx, qemu.NanosBuildOf(gc.Unit, c, out.Host))
			switch {
			case err != nil:
				fmt.Fprintf(a.env.Stderr, "warning: cannot tell whether %s builds a new image: %v\n", gc.Unit, err)
			case p.Rebuild:
				plans = append(plans, imagePlan{gc.Unit, p.Reason})
			}
		}
	}
	return plans
}

func findComponent(tree *config.Tree, service, component string) *config.Component {
	for _, s := range tree.Services {
		if s.Name != service {
			continue
		}
		for _, c := range s.Components {
			if c.Name == component {
				return c
			}
		}
	}
	return nil
}

func printImages(w io.Writer, st style, images []imagePlan) {
	for _, p := range images {
		fmt.Fprintf(w, "%s %s: a new Nanos image at its next start (%s)\n", st.paint(toneWarn, "~ image  "), p.unit, p.reason)
	}
}

// wantedFiles is the generator's output as plan compares it: file
// contents, and symlinks as "-> TARGET".
func wantedFiles(out *generator.Output) map[string]string {
	want := map[string]string{}
	for name, b := range out.Files() {
		want[name] = string(b)
	}
	for _, u := range out.Units {
		want[u.Name] = string(u.Bytes())
	}
	for _, l := range out.Links {
		want[l.Name] = "-> " + l.Target
	}
	return want
}

// readLive reads a generator output directory: every file by its path
// relative to dir, symlinks as "-> TARGET".
func readLive(dir string) (map[string]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fail(ExitError, "cannot read the live generator output: %v", err)
	}
	live := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			live[rel] = "-> " + t
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			live[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return live, nil
}

// isOurs tells bootstage's files in a directory all generators share: a
// file whose heading comment names bootstage, or a link to one of ours.
func isOurs(name string, live, want map[string]string) bool {
	c := live[name]
	if t, ok := strings.CutPrefix(c, "-> "); ok {
		base := filepath.Base(t)
		if _, ok := want[base]; ok {
			return true
		}
		return strings.HasPrefix(base, "bootstage") || base != name && isOurs(base, live, want)
	}
	for _, l := range strings.Split(c, "\n") {
		if !strings.HasPrefix(l, "#") {
			return false
		}
		if strings.Contains(l, "bootstage") {
			return true
		}
	}
	return false
}

// colourDiff colours removed and added lines on a terminal.
func colourDiff(st style, d string) string {
	if !st.colour {
		return d
	}
	var b bytes.Buffer
	for _, l := range strings.SplitAfter(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			b.WriteString(st.bold(strings.TrimSuffix(l, "\n")) + "\n")
		case strings.HasPrefix(l, "+"):
			b.WriteString(st.paint(toneGood, strings.TrimSuffix(l, "\n")) + "\n")
		case strings.HasPrefix(l, "-"):
			b.WriteString(st.paint(toneBad, strings.TrimSuffix(l, "\n")) + "\n")
		default:
			b.WriteString(l)
		}
	}
	return b.String()
}
