package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
)

// writeRoutes lists every route's host port as the generator gave it, and
// says which moved from the port in live (the units systemd runs with):
// a moved route is a client to reconfigure, which a unit diff hides.
func writeRoutes(w io.Writer, want, live map[string]string) {
	var lines []string
	for name, text := range want {
		old := routePorts(live[name])
		for _, kv := range routeRecords(text) {
			v, port, _ := strings.Cut(kv, "=")
			line := fmt.Sprintf("route %s %s: host port %s", name, v, port)
			if prev, ok := old[v]; ok && prev != port {
				line += fmt.Sprintf(" (moves from %s)", prev)
			}
			lines = append(lines, line)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if len(lines) > 0 {
		fmt.Fprintln(w)
	}
}

// routeRecords are the VARIABLE=HOSTPORT values of a unit's route records.
func routeRecords(unit string) []string {
	var out []string
	for _, l := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(l, generator.RouteKey+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

func routePorts(unit string) map[string]string {
	m := map[string]string{}
	for _, kv := range routeRecords(unit) {
		v, port, _ := strings.Cut(kv, "=")
		m[v] = port
	}
	return m
}

// writeInactive says which services active = false keeps out.
func writeInactive(w io.Writer, tree *config.Tree) {
	if n := len(tree.Inactive); n > 0 {
		fmt.Fprintf(w, "inactive (active = false), nothing generated: %s\n", strings.Join(tree.Inactive, ", "))
	}
}
