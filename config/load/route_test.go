package load

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config"
)

// Each case is one mistake with routes, bootstage.toml or the MCP
// aliases, and the exact lines bootstage answers with.
func TestRouteErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"two unnamed routes", map[string]string{"services/svc.toml": `
[[components]]
image = "x"
[[components.routes]]
port = 1
[[components.routes]]
port = 2`}, `services/svc.toml:4:1: components[0].routes[0]: a component with several routes must name each (add name = "...")
services/svc.toml:6:1: components[0].routes[1]: a component with several routes must name each (add name = "...")`},
		{"unknown mode", map[string]string{"services/svc.toml": `
[[components]]
image = "x"
[[components.routes]]
mode = "l5"`}, `services/svc.toml:5:8: components[0].routes[0].mode: unknown value "l5" (did you mean "l4"? expected one of: l4, l7)`},
		{"two names, one variable", map[string]string{"services/svc.toml": `
[[components]]
image = "x"
[[components.routes]]
name = "a-b"
[[components.routes]]
name = "a_b"`}, `services/svc.toml:7:8: components[0].routes[1].name: route "a_b" gives the component PORT_A_B, as components.0.routes.0 does`},
		{"env sets the route's variable", map[string]string{"services/svc.toml": `
[[components]]
image = "x"
env = ["PORT=80"]
[[components.routes]]
`}, `services/svc.toml:4:7: components[0].env: PORT is set by route (unnamed) (drop it from env: the route sets it)`},
		{"pin on a published port", map[string]string{"services/a.toml": `
[[components]]
image = "x"
ports = ["127.0.0.1:20000:80"]`, "services/b.toml": `
[[components]]
image = "x"
[[components.routes]]
host_port = 20000`}, `services/b.toml:5:13: components[0].routes[0].host_port: host port 20000 is already taken by the ports of a (pin another host_port, or drop it for an allocated one)`},
		{"two pins on one port", map[string]string{"services/a.toml": `
[[components]]
image = "x"
[[components.routes]]
host_port = 20000`, "services/b.toml": `
[[components]]
image = "x"
[[components.routes]]
host_port = 20000`}, `services/b.toml:5:13: components[0].routes[0].host_port: host port 20000 is already taken by the route of a (pin another host_port, or drop it for an allocated one)`},
		{"bad range", map[string]string{"bootstage.toml": `
[routes]
range = [60000, 10000]
hook = "proxy"
[unikernel]
kernel = "/x"`}, `bootstage.toml:3:9: routes.range: expected a low and a high port from 1 to 65535, got 60000 to 10000 (range = [10000, 60000])
bootstage.toml:4:8: routes.hook: expected an absolute path, got "proxy"`},
		{"node and nodes", map[string]string{"services/svc.toml": `
node = "a"
nodes = ["b"]
[[components]]
image = "x"
ports = ["1:1"]`}, `services/svc.toml:2:1: node: node and nodes are both set (keep one of them)`},
		{"active not a boolean", map[string]string{"services/svc.toml": `
active = "no"
[[components]]
image = "x"
ports = ["1:1"]`}, `services/svc.toml:2:10: active: expected true or false, got string "no"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := problemLines(t, writeTree(t, tc.files))
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

// portsOf loads files and returns every route's variable and host port,
// and the health port, per component.
func portsOf(t *testing.T, files map[string]string, host string) map[string][]string {
	t.Helper()
	tree, ps := Tree([]string{writeTree(t, files)}, host)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	out := map[string][]string{}
	for _, s := range tree.Services {
		for _, c := range s.Components {
			key := config.DisplayName(s.Name, c.Name)
			for _, e := range c.Env {
				out[key] = append(out[key], e.Key+"="+e.Value)
			}
			for _, p := range c.Ports {
				out[key] = append(out[key], "publish "+p.String())
			}
			out[key] = append(out[key], "health "+c.Health.Target())
		}
	}
	return out
}

// Route ports depend on names alone: the same tree gives the same ports
// on every run and on every node, whichever services that node runs; a
// collision goes to the first in name order, the other takes the next
// free port; a pin or a published port is never given to another route.
func TestRoutePorts(t *testing.T) {
	t.Parallel()
	const low, high = 20000, 20001 // two ports: every route collides
	files := map[string]string{
		"bootstage.toml": "[routes]\nrange = [20000, 20001]\n",
		"services/web.toml": `
nodes = ["node1"]
[[components]]
image = "x"
[[components.routes]]
name = "http"
[[components.routes]]
name = "grpc"`,
		"services/api.toml": `
node = "node2"
[[components]]
image = "x"
[[components.routes]]
`,
	}
	if _, ps := Tree([]string{writeTree(t, files)}, "node1"); len(ps) == 0 || !strings.Contains(ps[0].Error(), "no free host port left in 20000-20001") {
		t.Fatalf("three routes in two ports: want the third refused, got %v", ps)
	}
	files["bootstage.toml"] = "[routes]\nrange = [20000, 20002]\n"
	one := portsOf(t, files, "node1")
	if again := portsOf(t, files, "node1"); !reflect.DeepEqual(one, again) {
		t.Errorf("second run: %v, first: %v", again, one)
	}
	two := portsOf(t, files, "node2")
	all := append(append([]string(nil), one["web"]...), two["api"]...)
	seen := map[string]bool{}
	for _, s := range all {
		if v, ok := strings.CutPrefix(s, "PORT"); ok {
			port := v[strings.IndexByte(v, '=')+1:]
			if seen[port] {
				t.Errorf("host port %s given twice: %v", port, all)
			}
			seen[port] = true
		}
	}
	want := config.HomePort("api", "", "", low, high+1)
	if got := two["api"][0]; got != "PORT="+strconv.Itoa(want) {
		t.Errorf("api, first in name order, takes its home port %d: got %s", want, got)
	}
	if h := one["web"][len(one["web"])-1]; !strings.HasPrefix(h, "health 127.0.0.1:") || !strings.Contains(strings.Join(one["web"], " "), "PORT_HTTP="+strings.TrimPrefix(h, "health 127.0.0.1:")) {
		t.Errorf("web's health is not probed on its first route: %v", one["web"])
	}
	if p := one["web"][2]; !strings.HasPrefix(p, "publish 127.0.0.1:") {
		t.Errorf("route not published on 127.0.0.1: %v", one["web"])
	}
}

// active = false loads the service but generates nothing for it.
func TestInactive(t *testing.T) {
	t.Parallel()
	tree, ps := Tree([]string{writeTree(t, map[string]string{"services/off.toml": `
active = false
[[components]]
image = "x"
[[components.routes]]
`})}, "node1")
	if len(ps) > 0 || len(tree.Services) != 0 || !reflect.DeepEqual(tree.Inactive, []string{"off"}) {
		t.Errorf("services %v, inactive %v, problems %v", tree.Services, tree.Inactive, ps)
	}
}
