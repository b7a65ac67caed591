package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config"
)

// writeTree writes files (path relative to the config dir -> content) into
// a temporary config directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// problemLines loads dir and renders every problem with dir stripped.
func problemLines(t *testing.T, dir string) []string {
	t.Helper()
	_, ps := Tree([]string{dir}, "node1")
	var out []string
	for _, p := range ps {
		out = append(out, strings.ReplaceAll(p.Error(), dir+"/", ""))
	}
	return out
}

const threeStages = `
[[stage]]
name = "foundation"
on_timeout = "block"
[[stage]]
name = "core"
`

// Each case is one mistake an operator makes, and the one line bootstage
// must answer with: file, line, column, key, what was expected.
var errorCases = []struct {
	name    string
	stages  string // stages.toml; "" for none
	service string // services/svc.toml
	want    string // every problem, one per line
}{
	{"unknown top-level key", "", `
nodse = ["rift"]
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:2:1: nodse: unknown key (did you mean "nodes"?)`},
	{"unknown key in the second component's health", "", `
[[components]]
name = "a"
image = "x"
ports = ["1:1"]
[[components]]
name = "b"
image = "x"
ports = ["2:2"]
[components.health]
intervall = "5s"`,
		`services/svc.toml:11:1: components[1].health.intervall: unknown key (did you mean "interval"?)`},
	{"wrong type", "", `
name = 3
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:2:8: name: expected a string, got integer 3`},
	{"ports not an array", "", `
[[components]]
image = "x"
ports = "127.0.0.1:80:80"`,
		`services/svc.toml:4:9: components[0].ports: expected an array of strings, got string "127.0.0.1:80:80"`},
	{"bad health interval", "", `
[[components]]
image = "x"
ports = ["1:1"]
health = { interval = "often" }`,
		`services/svc.toml:5:23: components[0].health.interval: invalid duration "often" (a duration such as "90s", "2m" or "1h30m")`},
	{"bad stage timeout", `
[[stage]]
name = "a"
timeout = "1 minute"`, `
stage = "a"
[[components]]
image = "x"
ports = ["1:1"]`,
		"services/svc.toml: not generated: stages.toml is invalid, so this service's place in the boot order is unknown\n" +
			`stages.toml:4:11: stage[0].timeout: invalid duration "1 minute" (a duration such as "90s", "2m" or "1h30m")`},
	{"bad host address in the second port", "", `
[[components]]
image = "x"
ports = [
  "127.0.0.1:18443:8443",
  "1.2.3:80:80",
]`,
		`services/svc.toml:6:3: components[0].ports[1]: invalid host address "1.2.3" in "1.2.3:80:80" (` + portHint + `)`},
	{"port out of range", "", `
[[components]]
image = "x"
ports = ["70000:80"]`,
		`services/svc.toml:4:10: components[0].ports[0]: invalid port "70000" in "70000:80": expected 1 to 65535 (` + portHint + `)`},
	{"bad protocol", "", `
[[components]]
image = "x"
ports = ["80:80/sctp"]`,
		`services/svc.toml:4:10: components[0].ports[0]: invalid protocol "sctp" in "80:80/sctp" (` + portHint + `)`},
	{"port range", "", `
[[components]]
image = "x"
ports = ["8000-8001:80"]`,
		`services/svc.toml:4:10: components[0].ports[0]: port ranges are not supported: "8000-8001:80" (` + portHint + `)`},
	{"relative volume target", "", `
[[components]]
image = "x"
health.check = "none"
volumes = ["/srv:srv"]`,
		`services/svc.toml:5:12: components[0].volumes[0]: invalid volume "/srv:srv": the target must be an absolute path ("HOST-PATH:CONTAINER-PATH[:OPTIONS]", e.g. "/srv/app:/srv/app:ro")`},
	{"unknown volume option", "", `
[[components]]
image = "x"
health.check = "none"
volumes = ["/srv:/srv:ro,fast"]`,
		`services/svc.toml:5:12: components[0].volumes[0]: unknown volume option "fast" in "/srv:/srv:ro,fast" ("HOST-PATH:CONTAINER-PATH[:OPTIONS]", e.g. "/srv/app:/srv/app:ro")`},
	{"unknown stage", threeStages, `
stage = "cor"
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:2:9: stage: unknown stage "cor" (did you mean "core"? stages: foundation, core)`},
	{"service in two stages", `
[[stage]]
name = "a"
services = ["svc"]
[[stage]]
name = "b"
services = ["other", "svc"]`, `
[[components]]
image = "x"
ports = ["1:1"]`,
		"services/svc.toml: not generated: stages.toml is invalid, so this service's place in the boot order is unknown\n" +
			`stages.toml:7:22: stage[1].services[1]: service "svc" is already in stage "a" (a service belongs to one stage)`},
	{"stage key disagrees with the stage's list", `
[[stage]]
name = "a"
services = ["svc"]
[[stage]]
name = "b"`, `
stage = "b"
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:2:9: stage: stage "b" disagrees with stages.toml, which lists this service in stage "a" (a service belongs to one stage)`},
	{"service in no stage", threeStages, `
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:1:1: service "svc" is in no stage (add stage = "foundation" or list the service in stages.toml)`},
	{"duplicate stage", `
[[stage]]
name = "a"
[[stage]]
name = "a"`, ``,
		`stages.toml:5:8: stage[1].name: duplicate stage "a"`},
	{"duplicate component names", "", `
[[components]]
name = "api"
image = "x"
ports = ["1:1"]
[[components]]
name = "api"
image = "x"
ports = ["2:2"]`,
		`services/svc.toml:7:8: components[1].name: duplicate component name "api"`},
	{"unnamed component among several", "", `
[[components]]
name = "api"
image = "x"
ports = ["1:1"]
[[components]]
image = "x"
ports = ["2:2"]`,
		`services/svc.toml:6:1: components[1]: a service with several components must name each (add name = "...")`},
	{"name disagrees with the file", "", `
name = "other"
[[components]]
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:2:8: name: name "other" does not match the file name "svc" (rename the file to other.toml, or drop the key)`},
	{"no components", "", `
stage = "default"`,
		`services/svc.toml:1:1: a service needs at least one component (add a [[components]] table)`},
	{"bad env name", "", `
[[components]]
image = "x"
ports = ["1:1"]
env = { "LOG-LEVEL" = "info" }`,
		`services/svc.toml:5:9: components[0].env.LOG-LEVEL: invalid variable name "LOG-LEVEL" (letters, digits and _, not starting with a digit)`},
	{"env list entry without =", "", `
[[components]]
image = "x"
ports = ["1:1"]
env = ["LOG_LEVEL"]`,
		`services/svc.toml:5:8: components[0].env[0]: expected "KEY=VALUE", got "LOG_LEVEL"`},
	{"newline in a value", "", `
[[components]]
image = "x"
ports = ["1:1"]
cmd = ["""a
b"""]`,
		`services/svc.toml:5:8: components[0].cmd[0]: newline, carriage return or NUL not allowed (a value must stay on one line of a unit file)`},
	{"syntax error", "", `
[[components]]
image = "x
ports = ["1:1"]`,
		`services/svc.toml:3:11: components.image: strings cannot contain newlines`},
	{"unknown restart policy", "", `
[[components]]
image = "x"
ports = ["1:1"]
restart = "sometimes"`,
		`services/svc.toml:5:11: components[0].restart: unknown value "sometimes" (expected one of: no, on-failure, always, unless-stopped)`},
	{"misspelt check", "", `
[[components]]
image = "x"
ports = ["1:1"]
health = { check = "grcp" }`,
		`services/svc.toml:5:20: components[0].health.check: unknown value "grcp" (did you mean "grpc"? expected one of: tcp, grpc, http, https, exec, systemd, none)`},
	{"check without a port", "", `
[[components]]
image = "x"`,
		`services/svc.toml:2:1: components[0]: the tcp health check needs a port (set health.port, publish a port, or set health.check = "systemd" or "none")`},
	{"exec check without a command", "", `
[[components]]
image = "x"
[components.health]
check = "exec"`,
		`services/svc.toml:5:9: components[0].health.check: an exec check needs a command (add command = ["/usr/bin/check", "arg"])`},
	{"podman without image", "", `
[[components]]
health.check = "none"`,
		`services/svc.toml:2:1: components[0]: a podman component needs an image (add image = "registry.example/name:tag")`},
	{"qemu key on a podman component", "", `
[[components]]
image = "x"
health.check = "none"
memory_mb = 256`,
		`services/svc.toml:5:1: components[0].memory_mb: memory_mb is only for runtime = "qemu" or "unikernel"`},
	{"unikernel key on a podman component", "", `
[[components]]
image = "x"
health.check = "none"
program = "/opt/echo"`,
		`services/svc.toml:5:1: components[0].program: program is only for runtime = "unikernel"`},
	{"cmd on a qemu component", "", `
[[components]]
runtime = "qemu"
kernel = "/boot/vmlinuz"
memory_mb = 128
health.check = "none"
cmd = ["serve"]`,
		`services/svc.toml:7:1: components[0].cmd: cmd is only for runtime = "podman" or "unikernel"`},
	{"kernel on a unikernel, which is the service's runtime", "", `
runtime = "unikernel"
[[components]]
program = "/opt/echo"
memory = 64
health.check = "none"
kernel = "/boot/vmlinuz"`,
		`services/svc.toml:7:1: components[0].kernel: kernel is only for runtime = "qemu"`},
	{"memory and memory_mb", "", `
[[components]]
runtime = "unikernel"
program = "/opt/echo"
memory_mb = 64
memory = 64
health.check = "none"`,
		`services/svc.toml:6:1: components[0].memory: memory and memory_mb both set a VM's RAM (keep one of memory and memory_mb)`},
	{"unknown service runtime", "", `
runtime = "unikernal"
[[components]]
image = "x"
health.check = "none"`,
		`services/svc.toml:2:11: runtime: unknown value "unikernal" (did you mean "unikernel"? expected one of: podman, qemu, unikernel, container)`},
	{"a component's runtime overrides its service's", "", `
runtime = "unikernel"
[[components]]
runtime = "container"
image = "x"
health.check = "none"
vcpus = 2`,
		`services/svc.toml:7:1: components[0].vcpus: vcpus is only for runtime = "qemu" or "unikernel"`},
	{"podman key on a qemu component", "", `
[[components]]
runtime = "qemu"
kernel = "/boot/vmlinuz"
memory_mb = 128
health.check = "none"
network = "host"`,
		`services/svc.toml:7:1: components[0].network: network is only for runtime = "podman"`},
	{"invalid component name", "", `
[[components]]
name = "a b"
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:3:8: components[0].name: invalid component name "a b" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes)`},
	{"template instance as component name", "", `
[[components]]
name = "getty@tty1"
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:3:8: components[0].name: invalid component name "getty@tty1" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes)`},
	{"colon in a component name", "", `
[[components]]
name = "a:b"
image = "x"
ports = ["1:1"]`,
		`services/svc.toml:3:8: components[0].name: invalid component name "a:b" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes)`},
	{"template instance as stage name", `
[[stage]]
name = "core@1"`, `
[[components]]
image = "x"
ports = ["1:1"]`,
		"services/svc.toml: not generated: stages.toml is invalid, so this service's place in the boot order is unknown\n" +
			`stages.toml:3:8: stage[0].name: invalid stage name "core@1" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes)`},
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			if tc.stages != "" {
				files["stages.toml"] = tc.stages
			}
			if tc.service != "" {
				files["services/svc.toml"] = tc.service
			}
			got := problemLines(t, writeTree(t, files))
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

func TestInvalidFileName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a b", "getty@", "getty@tty1", "a:b", ".hidden", "-x"} {
		dir := writeTree(t, map[string]string{"services/" + name + ".toml": "[[components]]\nimage = \"x\"\n"})
		got := problemLines(t, dir)
		want := `services/` + name + `.toml: invalid service name "` + name + `" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes: rename the file)`
		if len(got) != 1 || got[0] != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"services/svc.toml": `
nodse = 1
[[components]]
image = "x"
ports = ["bad"]
restart = "sometimes"
`})
	if got := problemLines(t, dir); len(got) != 3 {
		t.Errorf("want 3 problems reported together, got %d:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// bootstage.toml is read strictly: each mistake is one positioned line.
func TestSettingsErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown key", "[unikernel]\nkernal = \"/opt/nanos/kernel.img\"\n",
			`bootstage.toml:2:1: unikernel.kernal: unknown key (did you mean "kernel"?)`},
		{"relative path", "[unikernel]\nmkfs = \"nanos/mkfs\"\n",
			`bootstage.toml:2:8: unikernel.mkfs: expected an absolute path, got "nanos/mkfs"`},
		{"empty path", "[unikernel]\nboot = \"\"\n",
			`bootstage.toml:2:8: unikernel.boot: an empty path (leave the key out to look in /usr/lib/nanos and /usr/local/lib/nanos)`},
		{"unknown table", "[unikernels]\nkernel = \"/k\"\n",
			`bootstage.toml:1:2: unikernels: unknown key (did you mean "unikernel"?)`},
		{"not a table", "unikernel = \"/opt/nanos\"\n",
			`bootstage.toml:1:13: unikernel: expected a table, got string "/opt/nanos"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"bootstage.toml": tc.src})
			s, ps := Settings([]string{dir})
			var got []string
			for _, p := range ps {
				got = append(got, strings.ReplaceAll(p.Error(), dir+"/", ""))
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
			if s != (config.Settings{}) {
				t.Errorf("an invalid bootstage.toml gave settings %+v, want none", s)
			}
		})
	}
}

// The first bootstage.toml of the search path wins, and each setting
// keeps where it was made, for the messages that name it.
func TestSettings(t *testing.T) {
	t.Parallel()
	etc := writeTree(t, map[string]string{"bootstage.toml": "# node settings\n[unikernel]\nkernel = \"/opt/nanos/kernel.img\"\n"})
	usr := writeTree(t, map[string]string{"bootstage.toml": "[unikernel]\nmkfs = \"/usr/bin/mkfs\"\n"})
	s, ps := Settings([]string{etc, usr})
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	want := config.Settings{Source: filepath.Join(etc, "bootstage.toml"), Unikernel: config.NanosFiles{
		Kernel: config.Setting{Value: "/opt/nanos/kernel.img", At: filepath.Join(etc, "bootstage.toml") + ":3:10"}}}
	if s != want {
		t.Errorf("settings %+v, want %+v", s, want)
	}
	if s, ps := Settings([]string{t.TempDir()}); s != (config.Settings{}) || len(ps) != 0 {
		t.Errorf("without bootstage.toml: %+v %v", s, ps)
	}
}

// A runtime's message about memory_mb points at memory when the file
// spells it so.
func TestAliasPositions(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"services/svc.toml": "[[components]]\nruntime = \"unikernel\"\nprogram = \"/opt/echo\"\nhealth.check = \"none\"\nmemory = 8\n"})
	check := func(c *config.Component) []config.FieldError {
		return []config.FieldError{{Key: "memory_mb", Msg: fmt.Sprintf("%d is too little", c.MemoryMB)}}
	}
	_, ps := Tree([]string{dir}, "node1", check)
	want := "services/svc.toml:5:1: components[0].memory: 8 is too little"
	if len(ps) != 1 || strings.ReplaceAll(ps[0].Error(), dir+"/", "") != want {
		t.Errorf("problems %v, want %s", ps, want)
	}
}
