package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// writeDOT draws the stack for Graphviz: a cluster per stage in boot
// order holding its components and its gate, and an edge from each gate to
// the next stage, "requires" (solid) or "wants" (dashed) by its policy.
func writeDOT(w io.Writer, st *stack) {
	fmt.Fprintln(w, "digraph bootstage {")
	fmt.Fprintln(w, "\tgraph [rankdir=LR, compound=true, fontname=\"sans-serif\", nodesep=0.3];")
	fmt.Fprintln(w, "\tnode [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=11];")
	fmt.Fprintln(w, "\tedge [fontname=\"sans-serif\", fontsize=10];")
	for i, s := range st.Stages {
		fmt.Fprintf(w, "\tsubgraph cluster_%d {\n", i+1)
		fmt.Fprintf(w, "\t\tlabel=%s;\n", dotQuote(fmt.Sprintf("%d. %s\n%s", i+1, s.Name, stagePolicy(s))))
		for _, c := range s.Components {
			fmt.Fprintf(w, "\t\t%s [label=%s, style=\"rounded,filled\", fillcolor=%s];\n",
				dotQuote(c.Unit), dotQuote(c.Name+"\n"+componentLine(c)), dotQuote(runtimeColour[c.Runtime]))
		}
		fmt.Fprintf(w, "\t\t%s [label=%s, shape=diamond, style=\"\"];\n", dotQuote(s.Gate), dotQuote("gate"))
		for _, c := range s.Components {
			if c.Check != unwatched { // the gate waits only for what it probes
				fmt.Fprintf(w, "\t\t%s -> %s;\n", dotQuote(c.Unit), dotQuote(s.Gate))
			}
		}
		fmt.Fprintln(w, "\t}")
	}
	// Resources stand outside the stages: a unit a later stage needs starts
	// with the stack, not after the stages before it.
	drawn := map[string]bool{}
	for _, s := range st.Stages {
		for _, r := range s.Resources {
			if !drawn[r.Unit] {
				drawn[r.Unit] = true
				fmt.Fprintf(w, "\t%s [label=%s, shape=%s];\n", dotQuote(r.Unit), dotQuote(r.Kind+"\n"+r.Name), resourceShape[r.Kind])
			}
			for _, u := range r.Users {
				fmt.Fprintf(w, "\t%s -> %s [style=dotted, arrowhead=none];\n", dotQuote(r.Unit), dotQuote(u))
			}
		}
	}
	for i := 1; i < len(st.Stages); i++ {
		prev, next := st.Stages[i-1], st.Stages[i]
		head := next.Gate
		if len(next.Components) > 0 {
			head = next.Components[0].Unit
		}
		dep, style := edgeKind(prev)
		fmt.Fprintf(w, "\t%s -> %s [lhead=cluster_%d, label=%s, style=%s];\n",
			dotQuote(prev.Gate), dotQuote(head), i+1, dotQuote(dep), style)
	}
	fmt.Fprintln(w, "}")
}

// writeMermaid draws the same graph as a Mermaid flowchart.
func writeMermaid(w io.Writer, st *stack) {
	fmt.Fprintln(w, "flowchart LR")
	for i, s := range st.Stages {
		id := fmt.Sprintf("s%d", i+1)
		fmt.Fprintf(w, "  subgraph %s[%s]\n", id, mermaidQuote(fmt.Sprintf("%d. %s<br/>%s", i+1, s.Name, stagePolicy(s))))
		for j, c := range s.Components {
			fmt.Fprintf(w, "    %sc%d[%s]\n", id, j+1, mermaidQuote(c.Name+"<br/>"+componentLine(c)))
		}
		fmt.Fprintf(w, "    %sg{{%s}}\n", id, mermaidQuote("gate"))
		for j, c := range s.Components {
			if c.Check != unwatched {
				fmt.Fprintf(w, "    %sc%d --> %sg\n", id, j+1, id)
			}
		}
		fmt.Fprintln(w, "  end")
	}
	for i := 1; i < len(st.Stages); i++ {
		dep, style := edgeKind(st.Stages[i-1])
		arrow := "==>"
		if style == "dashed" {
			arrow = "-.->"
		}
		fmt.Fprintf(w, "  s%dg %s|%s| s%d\n", i, arrow, dep, i+1)
	}
	ids := map[string]string{}
	for i, s := range st.Stages {
		for _, r := range s.Resources {
			id, ok := ids[r.Unit]
			if !ok {
				id = fmt.Sprintf("r%d", len(ids)+1)
				ids[r.Unit] = id
				fmt.Fprintf(w, "  %s[(%s)]\n", id, mermaidQuote(r.Kind+"<br/>"+r.Name))
			}
			for _, u := range r.Users {
				for j, c := range s.Components {
					if c.Unit == u {
						fmt.Fprintf(w, "  %s -.- s%dc%d\n", id, i+1, j+1)
					}
				}
			}
		}
	}
}

// resourceShape draws each kind of resource unit its own way.
var resourceShape = map[string]string{"network": "ellipse", "volume": "cylinder", "image": "note"}

// runtimeColour tells containers, VMs and invalid services apart at a glance.
var runtimeColour = map[string]string{"podman": "#e3eefa", "qemu": "#fcebd5", "invalid": "#f9d6d6"}

// edgeKind is how the next stage depends on s: Requires= for block and
// fail, Wants= for proceed (DESIGN §3).
func edgeKind(s *stageView) (string, string) {
	if s.OnTimeout == "proceed" {
		return "wants", "dashed"
	}
	return "requires", "solid"
}

func stagePolicy(s *stageView) string {
	p := "on timeout: " + s.OnTimeout
	if s.OnTimeout == "block" {
		p = "block: waits for health"
	} else if s.Timeout > 0 {
		p += " after " + config.FormatDuration(s.Timeout)
	}
	return p
}

func componentLine(c *componentView) string {
	l := c.Runtime + " · " + c.Check
	switch {
	case strings.HasPrefix(c.Probe, c.Check+"://"):
		l = c.Runtime + " · " + c.Probe
	case c.Probe != "":
		l += " " + c.Probe
	}
	return l
}

// dotQuote makes a DOT string; "\n" becomes DOT's centred line break.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// mermaidQuote makes a Mermaid label: quoted, with its own entity for '"'.
func mermaidQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}

// render pipes DOT through Graphviz into file as format (png, svg).
func (a *app) render(ctx context.Context, dot []byte, format, file string) error {
	if format != "png" && format != "svg" {
		return fail(ExitError, "--render %s: want png or svg", format)
	}
	bin, err := a.env.LookPath("dot")
	if err != nil {
		return fail(ExitError, "rendering needs Graphviz's dot, which is not installed; pipe `bootstage graph` into it elsewhere")
	}
	img, err := a.env.Run(ctx, []string{bin, "-T" + format}, dot)
	if err != nil {
		return fmt.Errorf("running dot -T%s: %w", format, err)
	}
	if file == "-" {
		_, err = a.env.Stdout.Write(img)
		return err
	}
	if err := os.WriteFile(file, img, 0o644); err != nil {
		return fmt.Errorf("writing the graph: %w", err)
	}
	return nil
}
