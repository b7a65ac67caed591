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
		`services/svc.toml:3:11: components[0].image: string not closed: expected a closing quote before the end of the line (a "string" stays on one line)`},
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

// oneComponent is a valid service file, for a mistake to follow.
const oneComponent = "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n"

// syntaxCases are files that TOML itself refuses, or that cross a limit on
// a file: one case per message of the parser (syntax.go) and per limit.
// Each says where, the key path with its indices, what was expected, and
// a hint.
var syntaxCases = []struct{ name, service, want string }{
	{"duplicate key", oneComponent + "[[components]]\nname = \"b\"\nimage = \"x\"\nimage = \"y\"\n",
		"services/svc.toml:7:1: components[1].image: already defined: expected each key and table once (remove one of the two, or use [[name]] for a list of tables)"},
	{"duplicate table", oneComponent + "[components.health]\nport = 1\n[components.health]\n",
		"services/svc.toml:6:2: components[0].health: already defined: expected each key and table once (remove one of the two, or use [[name]] for a list of tables)"},
	{"dotted key under a value", oneComponent + "image.tag = \"1\"\n",
		"services/svc.toml:4:1: components[0].image: already defined: expected each key and table once (remove one of the two, or use [[name]] for a list of tables)"},
	{"table inside a value", "components = [{ image = \"x\" }]\n[components.health]\ncheck = \"none\"\n",
		"services/svc.toml:2:2: components: already holds a value, so no table can go inside it: expected a table (a key holds a value or a table, not both; an array written [...] cannot be extended with [[...]] or [...])"},
	{"table used as a list of tables", "[components]\nimage = \"x\"\n[[components]]\n",
		"services/svc.toml:3:3: components: already defined, so [[...]] cannot add to it: expected [[name]] only for a list of tables (write each entry of the list as [[name]])"},
	{"string not closed on its line", oneComponent + "cmd = [\"a]\n",
		"services/svc.toml:4:11: components[0].cmd[0]: string not closed: expected a closing quote before the end of the line (a \"string\" stays on one line)"},
	{"string not closed at the end of the file", oneComponent + "cmd = \"a",
		"services/svc.toml:4:8: components[0].cmd: string not closed: expected a closing \" before the end of the file (a \"string\" stays on one line)"},
	{"literal string not closed at the end of the file", oneComponent + "cmd = 'a",
		"services/svc.toml:4:8: components[0].cmd: string not closed: expected a closing ' before the end of the file (a \"string\" stays on one line)"},
	{"multi-line string not closed", oneComponent + "cmd = [\"\"\"a\n",
		"services/svc.toml:4:12: components[0].cmd[0]: string not closed: expected a closing \"\"\" before the end of the file (a \"\"\" string ends with \"\"\")"},
	{"multi-line literal string not closed", oneComponent + "cmd = ['''a\n",
		"services/svc.toml:4:12: components[0].cmd[0]: string not closed: expected a closing ''' before the end of the file (a ''' string ends with ''')"},
	{"six quotes", oneComponent + "cmd = [\"\"\"a\"\"\"\"\"\"]\n",
		"services/svc.toml:4:11: components[0].cmd[0]: six quotes in a row: expected at most five to close a \"\"\" string (end the string with \"\"\"; a quote inside it is written \\\")"},
	{"invalid escape", oneComponent + "cmd = [\"C:\\Users\"]\n",
		"services/svc.toml:4:11: components[0].cmd[0]: invalid escape \\U: expected eight hexadecimal digits after \\U (write \\\\ for a backslash, or use a 'literal string')"},
	{"unknown escape", oneComponent + "cmd = [\"a\\qb\"]\n",
		"services/svc.toml:4:10: components[0].cmd[0]: invalid escape \\q: expected \\b, \\t, \\n, \\f, \\r, \\e, \\\", \\\\, \\xHH, \\uHHHH or \\UHHHHHHHH (write \\\\ for a backslash, or use a 'literal string')"},
	{"backslash before a space", oneComponent + "cmd = [\"a\\ b\"]\n",
		"services/svc.toml:4:10: components[0].cmd[0]: invalid escape \\ : expected \\b, \\t, \\n, \\f, \\r, \\e, \\\", \\\\, \\xHH, \\uHHHH or \\UHHHHHHHH (write \\\\ for a backslash, or use a 'literal string')"},
	{"backslash at the end of the line", oneComponent + "cmd = [\"a\\\n\"]\n",
		`services/svc.toml:4:10: components[0].cmd[0]: backslash at the end of the line: expected an escape, or the closing quote (a "string" stays on one line; in a """string""" a \ at the line end joins the lines)`},
	{"short unicode escape", oneComponent + "cmd = [\"\\u12\"]\n",
		"services/svc.toml:4:9: components[0].cmd[0]: invalid escape \\u: expected four hexadecimal digits after \\u (write \\\\ for a backslash, or use a 'literal string')"},
	{"surrogate escape", oneComponent + "cmd = [\"\\uD800\"]\n",
		"services/svc.toml:4:9: components[0].cmd[0]: escape for U+D800: expected a Unicode character, from U+0000 to U+10FFFF and not U+D800 to U+DFFF (write \\\\ for a backslash, or use a 'literal string')"},
	{"latin-1 byte", oneComponent + "cmd = [\"caf\xe9\"]\n",
		"services/svc.toml:4:12: components[0].cmd[0]: byte 0xe9 is not UTF-8: expected a file in UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)"},
	{"latin-1 byte in a comment", "# caf\xe9 au lait\n" + oneComponent,
		"services/svc.toml:1:6: byte 0xe9 is not UTF-8: expected a file in UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)"},
	{"UTF-16 without a byte order mark", "i\x00m\x00a\x00g\x00",
		"services/svc.toml:1:2: NUL byte: expected a file in UTF-8 (the file looks like UTF-16: convert it, e.g. iconv -f utf-16 -t utf-8)"},
	{"UTF-16 byte order mark", "\xff\xfei\x00m\x00",
		"services/svc.toml:1:1: UTF-16 byte order mark: expected a file in UTF-8 (convert it, e.g. iconv -f utf-16 -t utf-8)"},
	{"carriage return alone", oneComponent + "cmd = [\"a\"]\rrestart = \"no\"\n",
		"services/svc.toml:4:12: carriage return without a line feed: expected lines that end in \\n or \\r\\n (convert the line ends, e.g. with dos2unix -c mac)"},
	{"control character", oneComponent + "cmd = [\"a\x01\"]\n",
		"services/svc.toml:4:10: components[0].cmd[0]: control character 0x01: expected text (in a \"string\", write it as \\u0001)"},
	{"invalid date", oneComponent + "start_timeout = 2024-13-01\n",
		"services/svc.toml:4:17: components[0].start_timeout: invalid date or time \"2024-13-01\": expected 2006-01-02, 15:04:05 or 2006-01-02T15:04:05Z (bootstage takes no dates: quote text, \"like this\")"},
	{"underscore", oneComponent + "stop_timeout = 1_\n",
		"services/svc.toml:4:16: components[0].stop_timeout: invalid number 1_: expected a digit on each side of every _ (write 1000 or 1_000)"},
	{"leading zero", "[[components]]\nruntime = \"qemu\"\nmemory_mb = 0512\n",
		"services/svc.toml:3:13: components[0].memory_mb: invalid number 0512: expected no leading zero (write 12, or 0o12 for an octal number)"},
	{"point without digits", oneComponent + "stop_timeout = 1.\n",
		"services/svc.toml:4:16: components[0].stop_timeout: invalid number 1.: expected a digit after the point (write 1.0 or 1)"},
	{"bad float", oneComponent + "stop_timeout = 1e\n",
		"services/svc.toml:4:16: components[0].stop_timeout: invalid number 1e: expected a number such as 1, -2.5 or 1e6 (quote it if it is text)"},
	{"float without leading digit", oneComponent + "stop_timeout = .5\n",
		"services/svc.toml:4:16: components[0].stop_timeout: number starts with a point: expected a digit before it (write 0.5)"},
	{"expected a digit", oneComponent + "stop_timeout = --1\n",
		"services/svc.toml:4:16: components[0].stop_timeout: expected a digit, got - (quote it if it is text)"},
	{"bad hex", oneComponent + "stop_timeout = 0xZ\n",
		"services/svc.toml:4:16: components[0].stop_timeout: invalid hexadecimal number: expected 0 to 9 or a to f after 0x (quote it if it is text)"},
	{"sign before hex", oneComponent + "stop_timeout = -0x1\n",
		"services/svc.toml:4:16: components[0].stop_timeout: sign before 0x, 0o or 0b: expected a sign only on a decimal number (write -255, not -0xff)"},
	{"integer out of range", oneComponent + "stop_timeout = 9223372036854775808\n",
		"services/svc.toml:4:16: components[0].stop_timeout: number 9223372036854775808 out of range: expected -9223372036854775808 to 9223372036854775807 (quote it if it is text)"},
	{"float out of range", oneComponent + "stop_timeout = 1e1000\n",
		"services/svc.toml:4:16: components[0].stop_timeout: number 1e1000 out of range: expected at most 1.8e308 (quote it if it is text)"},
	{"no value at the end of the file", oneComponent + "image =",
		"services/svc.toml:4:7: components[0].image: expected a value, got the end of the file (a value is \"text\", a number, true, false, [an, array] or { an = \"inline table\" }; quote text)"},
	{"bare word", "[[components]]\nimage = alpine\n",
		"services/svc.toml:2:9: components[0].image: expected a value, got \"alpine\" (a value is \"text\", a number, true, false, [an, array] or { an = \"inline table\" }; quote text)"},
	{"two values", oneComponent + "cmd = \"a\" \"b\"\n",
		"services/svc.toml:4:10: expected the end of the line, got a quote (one key = value or [table] per line; quote text with spaces)"},
	{"table name not closed", "[components\nimage = \"x\"\n",
		"services/svc.toml:1:12: components: table name not closed: expected . or ], got the end of the line ([name] or [name.sub])"},
	{"array table name not closed", "[[components]\nimage = \"x\"\n",
		"services/svc.toml:1:13: components[0]: table name not closed: expected ]], got the end of the line ([[name]] for each table of a list)"},
	{"empty table name", oneComponent + "[]\n",
		"services/svc.toml:4:2: empty table name: expected a name between the brackets ([name] or [[name]])"},
	{"empty part in a table name", oneComponent + "[components..health]\n",
		"services/svc.toml:4:13: components[0]: empty part in a table name: expected a name on each side of every . ([name.sub])"},
	{"no key", oneComponent + "= 1\n",
		"services/svc.toml:4:1: components[0]: no key before =: expected a key (key = value)"},
	{"key starts with a point", oneComponent + ".image = \"x\"\n",
		"services/svc.toml:4:1: components[0]: key starts with a point: expected a name before it (name.sub = value)"},
	{"key ends in a point", oneComponent + "image. = \"x\"\n",
		"services/svc.toml:4:8: components[0].image: key ends in a point: expected a name after it (name.sub = value)"},
	{"two points in a key", oneComponent + "health..check = \"x\"\n",
		"services/svc.toml:4:8: components[0].health: two points in a key: expected a name between them (name.sub = value)"},
	{"key at the end of the file", oneComponent + "image",
		"services/svc.toml:4:5: components[0].image: expected = after the key, got the end of the file (key = value)"},
	{"space in a key", oneComponent + "start timeout = \"1s\"\n",
		"services/svc.toml:4:7: components[0].start: expected = after the key, got \"t\" (key = value; quote a key with spaces, \"like this\" = value)"},
	{"extra comma", oneComponent + "cmd = [\"a\",,\"b\"]\n",
		"services/svc.toml:4:12: components[0].cmd[1]: expected a value, got , (remove the extra comma)"},
	{"missing comma in an array", oneComponent + "cmd = [\"a\" \"b\"]\n",
		"services/svc.toml:4:12: components[0].cmd[1]: expected , or ] after an array element, got a quote ([\"a\", \"b\"])"},
	{"missing comma in an inline table", oneComponent + "env = { A = \"1\" B = \"2\" }\n",
		"services/svc.toml:4:17: components[0].env.B: expected , or } after a value of an inline table, got \"B\" ({ a = 1, b = \"x\" })"},
	{"array not closed", oneComponent + "cmd = [\"a\",\n",
		"services/svc.toml:4:12: components[0].cmd: expected a value, got the end of the file (a value is \"text\", a number, true, false, [an, array] or { an = \"inline table\" }; quote text)"},
	{"too deep", oneComponent + "cmd = " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n",
		"services/svc.toml:4:37: components[0].cmd[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)"},
	{"too deep tables", oneComponent + "env = " + strings.Repeat("{a=", 40) + "1" + strings.Repeat("}", 40) + "\n",
		"services/svc.toml:4:95: components[0].env.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)"},
	{"too deep dotted", oneComponent + strings.Repeat("a.", 40) + "a = 1\n",
		"services/svc.toml:4:61: components[0].a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)"},
	{"long key", oneComponent + "env = { " + strings.Repeat("A", 600) + " = \"1\" }\n",
		"services/svc.toml:4:9: components[0].env.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…: key path longer than 512 bytes: expected a shorter key (a key names a setting or a variable in a few dozen bytes)"},
	{"many values", oneComponent + "cmd = [" + strings.Repeat("\"a\",", 10001) + "]\n",
		"services/svc.toml:4:39984: components[0].cmd[9994]: more than 10000 keys, tables and array elements: expected fewer (a service file has some dozens; split a list this long into files)"},
	{"too large", oneComponent + "cmd = [\"" + strings.Repeat("a", 1<<20) + "\"]\n",
		"services/svc.toml:4:1048528: file larger than 1 MiB: expected a few kilobytes (reading stopped here; is this the file you meant?)"},
	{"byte order mark", "\xef\xbb\xbf[[components]]\nimage = x\n",
		"services/svc.toml:2:9: components[0].image: expected a value, got \"x\" (a value is \"text\", a number, true, false, [an, array] or { an = \"inline table\" }; quote text)"},
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range syntaxCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := problemLines(t, writeTree(t, map[string]string{"services/svc.toml": tc.service}))
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
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

// A file of a thousand mistakes reports the first fifty, and how many it
// did not: its failing unit and the log stay readable.
func TestTooManyProblems(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	src.WriteString(oneComponent + "[components.env]\n")
	want := []string{"services/svc.toml: 10 more problems not shown (only the first 50 are reported)"}
	for i := range 60 {
		fmt.Fprintf(&src, "%02dV = \"x\"\n", i)
		if i < 50 {
			want = append(want, fmt.Sprintf(`services/svc.toml:%d:1: components[0].env.%02dV: invalid variable name "%02dV" (letters, digits and _, not starting with a digit)`, i+5, i, i))
		}
	}
	got := problemLines(t, writeTree(t, map[string]string{"services/svc.toml": src.String()}))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A message quotes at most 200 bytes of a value, and 40 of each key: a
// value of a megabyte must not make a log line, or a line of the failing
// unit, of a megabyte.
func TestLongValuesAreClipped(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200)
	got := problemLines(t, writeTree(t, map[string]string{"services/svc.toml": oneComponent +
		`restart = "` + long + `"` + "\n" + `env = { "` + long + `" = "x" }` + "\n"}))
	want := `services/svc.toml:4:11: components[0].restart: unknown value "` + strings.Repeat("é", 100) + `…" (expected one of: no, on-failure, always, unless-stopped)` + "\n" +
		`services/svc.toml:5:9: components[0].env.` + strings.Repeat("é", 20) + `…: invalid variable name "` + strings.Repeat("é", 100) + `…" (letters, digits and _, not starting with a digit)`
	if strings.Join(got, "\n") != want {
		t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), want)
	}
}

// An internal error (here a runtime check that panics) costs only the
// file it happened in: it is that file's problem, and the others load.
func TestPanicCostsOnlyItsFile(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"services/bad.toml":  oneComponent + `cmd = ["boom"]` + "\n",
		"services/good.toml": oneComponent,
	})
	check := func(c *config.Component) []config.FieldError {
		if len(c.Cmd) > 0 && c.Cmd[0] == "boom" {
			var m map[string]int
			m["boom"]++
		}
		return nil
	}
	tree, ps := Tree([]string{dir}, "node1", check)
	want := dir + "/services/bad.toml:1:1: internal error: assignment to entry in nil map (a bug in bootstage: please report it, with this file)"
	if ps.Error() != want {
		t.Errorf("problems:\n%s\nwant exactly:\n%s", ps.Error(), want)
	}
	if len(tree.Services) != 1 || tree.Services[0].Name != "good" || len(tree.Broken) != 1 || tree.Broken[0].Name != "bad" {
		t.Errorf("services %v, broken %v", tree.Services, tree.Broken)
	}
}
