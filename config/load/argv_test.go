package load

import (
	"strings"
	"testing"
)

// The values podman or systemd would misread, each refused at its key with
// one line; the file next to it still loads.
var argvCases = []struct {
	name    string
	service string // services/svc.toml
	want    string
}{
	{"image that reads as an option", `
[[components]]
image = "--privileged"
cmd = ["docker.io/library/alpine", "sh"]
health.check = "none"`,
		`services/svc.toml:3:9: components[0].image: invalid image reference "--privileged": it starts with "-": podman would read it as an option ([REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. "docker.io/library/alpine:3.19")`},
	{"image in capitals", `
[[components]]
image = "registry.example/Team/App:1"
health.check = "none"`,
		`services/svc.toml:3:9: components[0].image: invalid image reference "registry.example/Team/App:1": the repository name "Team/App" must be lowercase ([REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. "docker.io/library/alpine:3.19")`},
	{"image of a VM", `
[[components]]
runtime = "qemu"
image = "localhost/disk:1 --x"
image_path = "/disk.qcow2"
memory_mb = 128
health.check = "none"`,
		`services/svc.toml:4:9: components[0].image: invalid image reference "localhost/disk:1 --x": it holds blanks ([REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. "docker.io/library/alpine:3.19")`},
	{"user that reads as an option", `
[[components]]
image = "x"
user = "--privileged"
health.check = "none"`,
		`services/svc.toml:4:8: components[0].user: invalid user "--privileged": it starts with "-" (USER[:GROUP] or UID[:GID], e.g. "1000:1000")`},
	{"network with blanks", `
[[components]]
image = "x"
network = "mynet --privileged"
health.check = "none"`,
		`services/svc.toml:4:11: components[0].network: invalid network "mynet --privileged": it holds blanks (a podman network name or mode, e.g. "mynet" or "slirp4netns")`},
	{"entrypoint as one string", `
[[components]]
image = "x"
entrypoint = ["/bin/sh -c", "echo"]
health.check = "none"`,
		`services/svc.toml:4:15: components[0].entrypoint[0]: invalid program "/bin/sh -c": it holds blanks (the program, then each argument as its own element: ["/bin/sh", "-c"])`},
	{"podman_args value as its own word", `
[[components]]
image = "x"
podman_args = ["--read-only", "--label", "a=b"]
health.check = "none"`,
		`services/svc.toml:4:42: components[0].podman_args[2]: "a=b": it is not an option: podman would read it as the image (one option per element, its value joined with "=", e.g. "--label=a=b")`},
	{"volume name that reads as an option", `
[[components]]
image = "x"
volumes = ["-v:/data"]
health.check = "none"`,
		`services/svc.toml:4:12: components[0].volumes[0]: invalid volume "-v:/data": a volume name is letters, digits, "_" and "-", starting with a letter or digit ("HOST-PATH:CONTAINER-PATH[:OPTIONS]", e.g. "/srv/app:/srv/app:ro")`},
	{"exec check as one string", `
[[components]]
image = "x"
[components.health]
check = "exec"
command = ["/usr/bin/check --fast"]`,
		`services/svc.toml:6:12: components[0].health.command[0]: invalid program "/usr/bin/check --fast": it holds blanks (the program, then each argument as its own element: ["/usr/bin/check", "--fast"])`},
	{"request path the gate cannot read", `
[[components]]
image = "x"
ports = ["8080:80"]
health = { check = "http", path = "status page" }`,
		`services/svc.toml:5:35: components[0].health.path: invalid path "status page" (a request path such as "/healthz")`},
	{"probe host that is no host", `
[[components]]
image = "x"
ports = ["8080:80"]
health = { check = "tcp", host = "db/internal" }`,
		`services/svc.toml:5:34: components[0].health.host: invalid host "db/internal" (an IP address or a host name, e.g. "127.0.0.1", "::1" or "db.internal")`},
	{"host network with ports", `
[[components]]
image = "x"
network = "host"
ports = ["8080:80"]`,
		`services/svc.toml:5:9: components[0].ports: podman ignores published ports with network = "host" (drop ports: the container uses the host's ports directly; or join another network)`},
	{"a value no program takes", `
[[components]]
image = "x"
health.check = "none"
cmd = ["sh", "` + strings.Repeat("a", 200<<10) + `"]`,
		`services/svc.toml:5:14: components[0].cmd[1]: a string of 204800 bytes is too long: at most 131071 (no program takes a longer argument)`},
	{"an env key no program takes", `
[[components]]
image = "x"
health.check = "none"
[components.env]
` + strings.Repeat("K", 200<<10) + ` = "v"`,
		// refused before the TOML parser sees it, by the limits on a file
		`services/svc.toml:6:1: components[0].env.KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK…: key path longer than 512 bytes: expected a shorter key (a key names a setting or a variable in a few dozen bytes)`},
}

func TestArgvValuesRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range argvCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{
				"services/svc.toml": tc.service,
				"services/ok.toml":  "[[components]]\nimage = \"localhost/ok:1\"\nhealth.check = \"none\"\n",
			})
			got := problemLines(t, dir)
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
			tree, _ := Tree([]string{dir}, "node1")
			if len(tree.Services) != 1 || tree.Services[0].Name != "ok" || len(tree.Broken) != 1 || tree.Broken[0].Name != "svc" {
				t.Errorf("want ok loaded and svc broken, got %d services, %d broken", len(tree.Services), len(tree.Broken))
			}
		})
	}
}
