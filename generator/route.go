package generator

import (
	"strconv"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// RouteKey is the [Unit] key that records each route's host port in a
// component's unit, as VARIABLE=HOSTPORT: `bootstage plan` reads it from
// the units systemd runs with to say when a route moves. systemd ignores
// keys that begin with X-.
const RouteKey = "X-Bootstage-Route"

// routes adds what the routes of c take to its unit f: the record of their
// host ports and, when the node has a route hook, one ExecStartPost= and
// one ExecStopPost= per route:
//
//	HOOK start|stop UNIT NAME HOSTPORT PORT MODE HOSTNAME PUBLIC
//
// with "" for a name, port or hostname that is not set and PUBLIC as true
// or false. A failing hook is logged but fails nothing ("-"): the
// component runs whether or not the proxy could be told.
func routes(f *units.File, c *config.Component, s config.RouteSettings) {
	if len(c.Routes) == 0 {
		return
	}
	u := f.Section("Unit")
	for _, r := range c.Routes {
		u.Text(RouteKey, r.EnvName()+"="+strconv.Itoa(r.HostPort))
	}
	if s.Hook == "" {
		return
	}
	svc := f.Section("Service")
	for _, verb := range []string{"start", "stop"} {
		key := "ExecStartPost"
		if verb == "stop" {
			key = "ExecStopPost"
		}
		for _, r := range c.Routes {
			svc.Exec(key, "-", hookArgv(s.Hook, verb, f.Name, r))
		}
	}
}

func hookArgv(hook, verb, unit string, r config.Route) []string {
	port := ""
	if r.Port != 0 {
		port = strconv.Itoa(r.Port)
	}
	return []string{hook, verb, unit, r.Name, strconv.Itoa(r.HostPort), port, string(r.Mode), r.Hostname, strconv.FormatBool(r.Public)}
}
