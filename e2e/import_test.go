package e2e_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/e2e/harness"
	"github.com/bootstage/bootstage/importer"
)

// httpd is a busybox web server on port PORT that exits on SIGTERM.
func httpd(port string) string {
	return `["sh", "-c", "trap 'exit 0' TERM; httpd -f -p ` + port + ` -h /www & wait"]`
}

// An MCP node as the agent ran it: a three-stage boot sequence, a v1
// service with its own ports, a v2 service whose image is derived and
// which listens on its route's $PORT_WEB.
var mcpNode = map[string]string{
	"agent.toml": `
[server]
grpc_addr = ":9444"
[[boot.sequence]]
name = "foundation"
services = ["dns"]
timeout = "60s"
health = "tcp"
[[boot.sequence]]
name = "core"
services = ["metacrypt"]
[[boot.sequence]]
name = "apps"
services = ["mcq"]
`,
	"services/dns.toml": `
name = "dns"
path = "mcns"
[[components]]
name = "dns"
image = "localhost/bootstage-busybox:latest"
ports = ["127.0.0.1:15300:15300"]
cmd = ` + httpd("15300") + `
`,
	"services/metacrypt.toml": `
name = "metacrypt"
[build]
uses_mcdsl = true
[[components]]
name = "api"
image = "localhost/bootstage-busybox:latest"
restart = "unless-stopped"
ports = ["127.0.0.1:15301:15301"]
cmd = ` + httpd("15301") + `
env = ["LOG_LEVEL=info"]
`,
	"services/mcq.toml": `
name = "mcq"
tier = "worker"
version = "latest"
[build.images]
bootstage-busybox = "Dockerfile"
[[components]]
name = "web"
cmd = ` + httpd("$PORT_WEB") + `
[[components.routes]]
name = "web"
port = 443
mode = "l7"
hostname = "mcq.example"
`,
}

// TestImportMCPBoots: `bootstage import mcp` of an MCP node boots under
// systemd, stage after stage, and every service answers on its port.
func TestImportMCPBoots(t *testing.T) {
	src := t.TempDir()
	for name, content := range mcpNode {
		writeTreeFile(t, filepath.Join(src, name), content, 0o644)
	}
	tree, r := importer.MCP([]string{filepath.Join(src, "services")}, importer.MCPOptions{
		AgentConfig: filepath.Join(src, "agent.toml"), Registry: "localhost"})
	if tree == nil {
		var b strings.Builder
		r.Write(&b)
		t.Fatalf("import failed:\n%s", b.String())
	}
	m := harness.Boot(t, harness.Options{Hostname: "import-mcp-e2e"})
	dest := harness.Tree(t, "")
	conf := filepath.Join(dest, harness.ConfigDir)
	if err := tree.Write(conf); err != nil {
		t.Fatal(err)
	}
	cfg, ps := load.Tree([]string{conf}, "import-mcp-e2e")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	webPort := 0
	for _, s := range cfg.Services {
		if s.Name == "mcq" {
			webPort = s.Components[0].Routes[0].HostPort
		}
	}
	m.MustInstall(dest)
	m.DaemonReload()
	m.MustRun("systemctl", "start", "bootstage.target")
	for _, port := range []int{15300, 15301, webPort} {
		if got := m.MustRun("curl", "-fsS", fmt.Sprintf("http://127.0.0.1:%d/", port)); !strings.Contains(got, "hello") {
			t.Errorf("curl :%d: %q", port, got)
		}
	}
	inOrder(t, m, [][2]string{
		{"bootstage-foundation-gate.service", "metacrypt-api.service"},
		{"bootstage-core-gate.service", "mcq-web.service"},
	})
}

// stackCompose waits for health twice: api for db, web for api. db and
// api share a network of the file's, and db has a named volume and a
// memory limit.
const stackCompose = `
services:
  db:
    image: localhost/bootstage-busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 15400 -h /www & wait"]
    ports: ["127.0.0.1:15400:15400"]
    networks: [backend]
    volumes: ["dbdata:/data"]
    deploy:
      resources:
        limits:
          memory: 64M
  api:
    image: localhost/bootstage-busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 15401 -h /www & wait"]
    networks: [backend]
    ports: ["127.0.0.1:15401:15401"]
    depends_on:
      db:
        condition: service_healthy
  web:
    image: localhost/bootstage-busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 15402 -h /www & wait"]
    ports: ["127.0.0.1:15402:15402"]
    depends_on:
      api:
        condition: service_healthy
      db:
        condition: service_started
networks:
  backend:
    internal: false
volumes:
  dbdata: {}
`

// TestImportComposeBoots: a compose stack with service_healthy
// dependencies boots health-gated, one stage per level.
func TestImportComposeBoots(t *testing.T) {
	src := filepath.Join(t.TempDir(), "compose.yaml")
	writeTreeFile(t, src, stackCompose, 0o644)
	tree, r := importer.Compose(src)
	if tree == nil {
		var b strings.Builder
		r.Write(&b)
		t.Fatalf("import failed:\n%s", b.String())
	}
	m := harness.Boot(t, harness.Options{Hostname: "import-compose-e2e"})
	dest := harness.Tree(t, "")
	if err := tree.Write(filepath.Join(dest, harness.ConfigDir)); err != nil {
		t.Fatal(err)
	}
	m.MustInstall(dest)
	m.DaemonReload()
	m.MustRun("systemctl", "start", "bootstage.target")
	for _, port := range []int{15400, 15401, 15402} {
		if got := m.MustRun("curl", "-fsS", "http://127.0.0.1:"+strconv.Itoa(port)+"/"); !strings.Contains(got, "hello") {
			t.Errorf("curl :%d: %q", port, got)
		}
	}
	inOrder(t, m, [][2]string{
		{"bootstage-level-0-gate.service", "api.service"},
		{"bootstage-level-1-gate.service", "web.service"},
	})
	for _, u := range []string{"backend-network.service", "dbdata-volume.service"} {
		if got := m.Property(u, "ActiveState"); got != "active" {
			t.Errorf("%s is %s, want active\n%s", u, got, m.Journal(u))
		}
	}
	if got := strings.TrimSpace(m.MustRun("podman", "container", "inspect", "--format", "{{.HostConfig.Memory}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", "db")); got != "67108864 backend" {
		t.Errorf("db's memory limit and networks: %q, want 64M on backend", got)
	}
}

// inOrder checks that each pair's second unit started only after the
// first (a gate) was active: systemd's monotonic timestamps say.
func inOrder(t *testing.T, m *harness.Machine, pairs [][2]string) {
	t.Helper()
	for _, p := range pairs {
		open := m.Property(p[0], "ActiveEnterTimestampMonotonic")
		start := m.Property(p[1], "ExecMainStartTimestampMonotonic")
		o, err1 := strconv.ParseInt(open, 10, 64)
		s, err2 := strconv.ParseInt(start, 10, 64)
		if err1 != nil || err2 != nil || o == 0 || s < o {
			t.Errorf("%s started at %s, before %s opened at %s", p[1], start, p[0], open)
		}
	}
}
