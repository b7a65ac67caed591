package load

import (
	"github.com/bootstage/bootstage/config"

	"fmt"
)

// parseRoutes reads [[components.routes]].
func parseRoutes(t table, c *config.Component) {
	seen := map[string]string{} // variable -> route key
	rts := t.tables("routes")
	for _, rt := range rts {
		r := config.Route{Key: rt.path}
		r.Name = rt.str("name", "")
		r.HostPort = rt.integer("host_port", 0, 1, 65535)
		r.Pinned = r.HostPort != 0
		// where a problem of the allocation is shown: the pin, else the table
		if r.Pinned {
			r.Line, r.Col = rt.d.locator().value(rt.key("host_port"))
		} else {
			r.Line, r.Col = rt.d.locator().key(rt.path)
		}
		r.Port = rt.integer("port", 0, 1, 65535)
		r.Mode = enum(rt, "mode", config.L4, config.RouteModes)
		r.Hostname = rt.str("hostname", "")
		r.Public = rt.boolean("public")
		rt.done()
		switch {
		case r.Name != "" && !config.ValidName(r.Name):
			rt.d.errAt(rt.key("name"), config.NameHint, "invalid route name %q", r.Name)
		case r.Name == "" && len(rts) > 1:
			rt.d.errAt(rt.path, `add name = "..."`, "a component with several routes must name each")
		case seen[r.EnvName()] != "":
			rt.d.errAt(rt.key("name"), "", "route %q gives the component %s, as %s does", r.Name, r.EnvName(), seen[r.EnvName()])
		}
		seen[r.EnvName()] = rt.path
		for _, e := range c.Env {
			if e.Key == r.EnvName() {
				t.d.errAt(t.key("env"), "drop it from env: the route sets it", "%s is set by route %s", e.Key, displayRoute(r))
			}
		}
		c.Routes = append(c.Routes, r)
	}
}

func displayRoute(r config.Route) string {
	if r.Name == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", r.Name)
}

// homeRoutes gives each route of c that pins no host port its HomePort in
// the default range for now, so that a service read alone is complete (and
// its health port known); the tree's config.AllocateRoutes settles them
// against every other route and the node's range.
func homeRoutes(svc string, c *config.Component) {
	low, high := config.RouteSettings{}.Range()
	for i := range c.Routes {
		if r := &c.Routes[i]; !r.Pinned {
			r.HostPort = config.HomePort(svc, c.Name, r.Name, low, high)
		}
	}
}
