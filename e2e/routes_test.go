package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/e2e/harness"
)

// routeHook records every call, one line of arguments each.
const routeHook = `#!/bin/sh
echo "$*" >> /run/route-hook.log
`

// routesService has two named routes: the container serves HTTP on
// $PORT_HTTP (expanded by its shell: the unit passes "$" through), and
// the gate probes the first route.
const routesService = `
[[components]]
name = "web"
image = "localhost/bootstage-busybox:latest"
cmd = ["sh", "-c", "trap 'exit 0' TERM; httpd -f -v -p $PORT_HTTP -h /www & wait"]
[[components.routes]]
name = "http"
port = 443
mode = "l7"
hostname = "shop.example"
public = true
[[components.routes]]
name = "admin"
port = 9000
`

// TestRoutes: the component finds its host ports in PORT_<NAME>, they are
// published on 127.0.0.1, its stage's gate opens on the first route's
// port, and the node's hook is told of each route on start and on stop.
func TestRoutes(t *testing.T) {
	m := harness.Boot(t, harness.Options{Hostname: "routes-e2e"})
	tree := harness.Tree(t, "")
	conf := filepath.Join(tree, harness.ConfigDir)
	for name, content := range map[string]string{
		"bootstage.toml":     "[routes]\nhook = \"/usr/local/bin/route-hook\"\n",
		"services/shop.toml": routesService,
	} {
		writeTreeFile(t, filepath.Join(conf, name), content, 0o644)
	}
	writeTreeFile(t, filepath.Join(tree, "usr/local/bin/route-hook"), routeHook, 0o755)
	// The ports the machine's generator gives: the same rule, read here.
	cfg, ps := load.Tree([]string{conf}, "routes-e2e")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	routes := cfg.Services[0].Components[0].Routes
	httpPort, adminPort := routes[0].HostPort, routes[1].HostPort

	m.MustInstall(tree)
	m.DaemonReload()
	m.MustRun("systemctl", "start", "bootstage.target")
	if got := m.Property("bootstage-default-gate.service", "ActiveState"); got != "active" {
		t.Errorf("gate is %s, want active", got)
	}
	if gate := m.MustRun("systemctl", "cat", "bootstage-default-gate.service"); !strings.Contains(gate, "--target 127.0.0.1:"+strconv.Itoa(httpPort)) {
		t.Errorf("the gate does not probe the first route's port %d:\n%s", httpPort, gate)
	}
	env := m.MustRun("podman", "exec", "shop-web", "env")
	for _, want := range []string{fmt.Sprintf("PORT_HTTP=%d", httpPort), fmt.Sprintf("PORT_ADMIN=%d", adminPort)} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("container environment lacks %s:\n%s", want, env)
		}
	}
	if got := m.MustRun("curl", "-fsS", fmt.Sprintf("http://127.0.0.1:%d/", httpPort)); !strings.Contains(got, "hello") {
		t.Errorf("curl on the route's host port: %q", got)
	}
	m.MustRun("systemctl", "stop", "shop-web.service")
	want := fmt.Sprintf(`start shop-web.service http %[1]d 443 l7 shop.example true
start shop-web.service admin %[2]d 9000 l4  false
stop shop-web.service http %[1]d 443 l7 shop.example true
stop shop-web.service admin %[2]d 9000 l4  false
`, httpPort, adminPort)
	err := harness.Eventually(10*time.Second, func() error {
		if got, _ := m.Run("cat", "/run/route-hook.log"); got != want {
			return fmt.Errorf("hook calls:\n%s\nwant:\n%s", got, want)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func writeTreeFile(t *testing.T, name, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
