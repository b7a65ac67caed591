package healthd

import (
	"fmt"
	"strings"
)

// maxListed bounds how many waiting components STATUS= names, so the line
// stays readable in `systemctl status` with a hundred probes.
const maxListed = 4

// statusText says how many components are healthy and who is still waited
// for and why: "2/3 healthy; dns: connection refused".
func (r *runner) statusText() string {
	var b strings.Builder
	healthy, listed := 0, 0
	for _, p := range r.probes {
		if p.healthy {
			healthy++
		}
	}
	if r.byTimeout && healthy < len(r.probes) {
		fmt.Fprintf(&b, "degraded: stage timed out after %s; ", r.gate.Timeout)
	}
	fmt.Fprintf(&b, "%d/%d healthy", healthy, len(r.probes))
	for _, p := range r.probes {
		if p.healthy {
			continue
		}
		if listed == maxListed {
			fmt.Fprintf(&b, "; and %d more", len(r.probes)-healthy-listed)
			break
		}
		listed++
		why := p.reason
		if !p.known {
			why = "checking"
		}
		fmt.Fprintf(&b, "; %s: %s", p.Component, why)
	}
	return b.String()
}
