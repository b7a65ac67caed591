package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each case is one mistake in a resource file, or in what a service names
// of another file, and the lines bootstage answers with.
var resourceErrorCases = []struct {
	name  string
	files map[string]string
	want  string
}{
	{"unknown network key", map[string]string{"networks/net.toml": "drivr = \"bridge\"\n"},
		`networks/net.toml:1:1: drivr: unknown key (did you mean "driver"?)`},
	{"bad subnet", map[string]string{"networks/net.toml": "subnet = \"10.0.0/24\"\n"},
		`networks/net.toml:1:10: subnet: invalid subnet "10.0.0/24" (a CIDR such as "10.89.0.0/24")`},
	{"external with options", map[string]string{"networks/net.toml": "external = true\ndriver = \"bridge\"\n"},
		`networks/net.toml:2:1: driver: driver has no effect on an external network, which is only checked, never created (drop it, or external = false to have bootstage create the network)`},
	{"volume option not a string", map[string]string{"volumes/data.toml": "options = { size = 3 }\n"},
		`volumes/data.toml:1:20: options.size: expected a string, got integer 3`},
	{"image without ref", map[string]string{"images/app.toml": "pull = \"always\"\n"},
		`images/app.toml:1:1: an image file needs ref, the image reference it configures (add ref = "registry.example/name:tag")`},
	{"bad pull policy", map[string]string{"images/app.toml": "ref = \"x\"\npull = \"sometimes\"\n"},
		`images/app.toml:2:8: pull: unknown value "sometimes" (expected one of: missing, always, never, newer)`},
	{"relative archive", map[string]string{"images/app.toml": "ref = \"x\"\narchive = \"app.tar\"\n"},
		`images/app.toml:2:11: archive: expected an absolute path, got "app.tar"`},
	{"two files for one image", map[string]string{"images/a.toml": "ref = \"x\"\n", "images/b.toml": "ref = \"x\"\n"},
		`images/b.toml:1:1: ref: image "x" is already configured by a.toml (keep one file per image)`},
	{"secret without source", map[string]string{"secrets/pw.toml": "\n"},
		`secrets/pw.toml:1:1: a secret needs a source: file or credential (add file = "/etc/bootstage/secrets/NAME" or credential = "NAME")`},
	{"secret with two sources", map[string]string{"secrets/pw.toml": "file = \"/etc/pw\"\ncredential = \"pw\"\n"},
		`secrets/pw.toml:2:1: credential: a secret has exactly one source, and file is set too (keep one of file and credential)`},
	{"invalid resource name", map[string]string{"volumes/-x.toml": ""},
		`volumes/-x.toml: invalid volume name "-x" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes: rename the file)`},
	{"a secret no file declares", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\nsecrets = [\"pw\", { name = \"key\", target = \"/k\" }]\n",
		"secrets/pw.toml": "file = \"/etc/pw\"\n"},
		`services/svc.toml:4:27: components[0].secrets[1].name: no secret "key": there is no secrets/key.toml (add secrets/key.toml with file = "/path" or credential = "NAME")`},
	{"secret mode", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\nsecrets = [{ name = \"pw\", mode = \"0999\" }]\n",
		"secrets/pw.toml": "file = \"/etc/pw\"\n"},
		`services/svc.toml:4:34: components[0].secrets[0].mode: invalid mode: string "0999" (an octal mode such as "0400")`},
	{"secrets on a VM", map[string]string{"services/svc.toml": "[[components]]\nruntime = \"qemu\"\nkernel = \"/k\"\nmemory_mb = 64\nports = [\"1:1\"]\nsecrets = [\"pw\"]\n",
		"secrets/pw.toml": "file = \"/etc/pw\"\n"},
		`services/svc.toml:6:1: components[0].secrets: a VM cannot receive secrets yet (pass it to the VM another way: a disk, or its own fetch)`},
	{"bad memory", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\nmemory = \"lots\"\n"},
		`services/svc.toml:4:10: components[0].memory: invalid memory size string "lots" (a size such as "512M" or "2G", or an integer of MiB)`},
	{"bad cpus", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\ncpus = 0\n"},
		`services/svc.toml:4:8: components[0].cpus: expected a number of CPUs above 0, got 0 (a number such as 1.5)`},
	{"relative env_file", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\nenv_file = [\"app.env\"]\n"},
		`services/svc.toml:4:13: components[0].env_file[0]: expected an absolute path, got "app.env"`},
	{"bad auto_update", map[string]string{"services/svc.toml": "[[components]]\nimage = \"x\"\nports = [\"1:1\"]\nauto_update = \"yes\"\n"},
		`services/svc.toml:4:15: components[0].auto_update: unknown value "yes" (expected one of: registry, local)`},
}

func TestResourceErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range resourceErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(problemLines(t, writeTree(t, tc.files)), "\n")
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// Resource files follow services/: a higher directory hides a file below,
// a symlink to /dev/null masks the name, and a component may name its
// image by the images/ file.
func TestResourcesHidingMaskingAndImageNames(t *testing.T) {
	t.Parallel()
	low := writeTree(t, map[string]string{"networks/a.toml": "driver = \"macvlan\"\n", "networks/b.toml": "",
		"images/app.toml":   "ref = \"registry.example/app:1\"\n",
		"services/svc.toml": "[[components]]\nimage = \"app\"\nports = [\"1:1\"]\nmemory = \"1G\"\ncpus = 1.5\npids_limit = 64\n"})
	high := writeTree(t, map[string]string{"networks/a.toml": "driver = \"bridge\"\n"})
	if err := os.Symlink("/dev/null", filepath.Join(high, "networks", "b.toml")); err != nil {
		t.Fatal(err)
	}
	tree, ps := Tree([]string{high, low}, "node1")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	nets := tree.Resources.Networks
	if len(nets) != 1 || nets["a"].Driver != "bridge" || nets["a"].Source != filepath.Join(high, "networks/a.toml") {
		t.Errorf("networks: %+v", nets)
	}
	c := tree.Services[0].Components[0]
	if c.Image != "registry.example/app:1" || c.Memory != 1<<30 || c.CPUs != 1.5 || c.PidsLimit != 64 {
		t.Errorf("component: image %q memory %d cpus %v pids %d", c.Image, c.Memory, c.CPUs, c.PidsLimit)
	}
}
