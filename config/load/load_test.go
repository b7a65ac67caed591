package load

import (
	"github.com/bootstage/bootstage/config"

	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mustLoad(t *testing.T, hostname string, dirs ...string) *config.Tree {
	t.Helper()
	tree, ps := Tree(dirs, hostname)
	if len(ps.Errors()) > 0 {
		t.Fatalf("unexpected problems:\n%v", ps)
	}
	return tree
}

func serviceNames(tree *config.Tree) []string {
	var names []string
	for _, s := range tree.Services {
		names = append(names, s.Name+"@"+s.Source)
	}
	return names
}

const podmanService = "[[components]]\nimage = \"x\"\nports = [\"127.0.0.1:1:1\"]\n"

func TestSearchPathHiding(t *testing.T) {
	t.Parallel()
	etc := writeTree(t, map[string]string{"services/a.toml": podmanService})
	run := writeTree(t, map[string]string{"services/b.toml": podmanService})
	lib := writeTree(t, map[string]string{
		"services/a.toml": podmanService, "services/b.toml": podmanService, "services/c.toml": podmanService,
	})
	tree := mustLoad(t, "n", etc, run, lib)
	want := []string{
		"a@" + filepath.Join(etc, "services/a.toml"),
		"b@" + filepath.Join(run, "services/b.toml"),
		"c@" + filepath.Join(lib, "services/c.toml"),
	}
	if got := serviceNames(tree); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestMaskWithDevNull(t *testing.T) {
	t.Parallel()
	etc := t.TempDir()
	os.MkdirAll(filepath.Join(etc, "services"), 0o755)
	if err := os.Symlink("/dev/null", filepath.Join(etc, "services", "a.toml")); err != nil {
		t.Fatal(err)
	}
	lib := writeTree(t, map[string]string{"services/a.toml": podmanService, "services/b.toml": podmanService})
	if got := serviceNames(mustLoad(t, "n", etc, lib)); len(got) != 1 || got[0][:2] != "b@" {
		t.Errorf("a masked by /dev/null should be gone, got %v", got)
	}
}

func TestStagesTomlFromHighestDirectory(t *testing.T) {
	t.Parallel()
	etc := writeTree(t, map[string]string{"stages.toml": "[[stage]]\nname = \"mine\"\n"})
	lib := writeTree(t, map[string]string{"stages.toml": "[[stage]]\nname = \"vendor\"\n"})
	tree := mustLoad(t, "n", etc, lib)
	if len(tree.Stages) != 1 || tree.Stages[0].Name != "mine" {
		t.Errorf("stages = %+v, want only the /etc one", tree.Stages)
	}
}

func TestConfigPathEnvironment(t *testing.T) {
	t.Setenv("BOOTSTAGE_CONFIG_PATH", "/a::/b")
	if got := SearchPath(); !reflect.DeepEqual(got, []string{"/a", "/b"}) {
		t.Errorf("SearchPath() = %v", got)
	}
	t.Setenv("BOOTSTAGE_CONFIG_PATH", "")
	if got := SearchPath(); !reflect.DeepEqual(got, DefaultSearchPath) {
		t.Errorf("SearchPath() = %v", got)
	}
}

func TestNodesSelectThisHost(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"services/here.toml":  "nodes = [\"rift\", \"vade\"]\n" + podmanService,
		"services/there.toml": "nodes = [\"orion\"]\n" + podmanService,
		"services/all.toml":   podmanService,
	})
	tree := mustLoad(t, "rift", dir)
	var names []string
	for _, s := range tree.Services {
		names = append(names, s.Name)
	}
	if !reflect.DeepEqual(names, []string{"all", "here"}) || !reflect.DeepEqual(tree.Skipped, []string{"there"}) {
		t.Errorf("services %v skipped %v", names, tree.Skipped)
	}
}

func TestDefaultStageWithoutStagesToml(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "n", writeTree(t, map[string]string{"services/a.toml": podmanService}))
	st := tree.Stages[0]
	if len(tree.Stages) != 1 || st.Name != "default" || st.OnTimeout != config.Proceed || st.Timeout != 60*time.Second {
		t.Fatalf("stages = %+v", tree.Stages)
	}
	if len(st.Services) != 1 || tree.Services[0].Stage != "default" {
		t.Errorf("service not placed in default: %+v", st.Services)
	}
}

func TestStagesListingServices(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"stages.toml": `
[[stage]]
name = "foundation"
services = ["dns"]
on_timeout = "block"
[[stage]]
name = "core"
services = ["api"]
health = "http"
timeout = 30
`,
		"services/dns.toml": podmanService,
		"services/api.toml": podmanService,
	})
	tree := mustLoad(t, "n", dir)
	if got := []string{tree.Stages[0].Services[0].Name, tree.Stages[1].Services[0].Name}; !reflect.DeepEqual(got, []string{"dns", "api"}) {
		t.Errorf("stage members = %v", got)
	}
	core := tree.Stages[1]
	if core.Timeout != 30*time.Second || core.Services[0].Components[0].Health.Check != "http" {
		t.Errorf("core = %+v, check %q", core, core.Services[0].Components[0].Health.Check)
	}
	if tree.Stages[0].Services[0].Components[0].Health.Check != "tcp" {
		t.Error("a stage without health should default to tcp")
	}
}

func TestComponentDefaultsAndForms(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"services/svc.toml": `
[[components]]
name = "table"
image = "x"
env = { B = "2", A = "1" }
ports = ["127.0.0.1:18443:8443", "9000/udp"]
[[components]]
name = "list"
image = "x"
env = ["B=2", "A=1"]
health = { check = "grpc", port = 7000, service = "svc" }
[[components]]
name = "vm"
runtime = "unikernel"
image = "localhost/app:1"
image_path = "/app"
memory_mb = 64
health.check = "none"
`})
	svc := mustLoad(t, "n", dir).Services[0]
	table, list, vm := svc.Components[0], svc.Components[1], svc.Components[2]
	wantEnv := []config.EnvVar{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}}
	if !reflect.DeepEqual(table.Env, wantEnv) || !reflect.DeepEqual(list.Env, wantEnv) {
		t.Errorf("env: table %v list %v", table.Env, list.Env)
	}
	if h := table.Health; h.Check != "tcp" || h.Port != 18443 || h.Host != "127.0.0.1" || h.Interval != 10*time.Second || h.Threshold != 3 {
		t.Errorf("default health = %+v", h)
	}
	if table.Restart != config.RestartOnFailure || table.Runtime != config.Podman {
		t.Errorf("defaults: restart %q runtime %q", table.Restart, table.Runtime)
	}
	if want := (config.Port{Proto: "udp", ContainerPort: 9000}); table.Ports[1] != want {
		t.Errorf("port = %+v", table.Ports[1])
	}
	if h := list.Health; h.Check != "grpc" || h.Port != 7000 || h.Service != "svc" {
		t.Errorf("grpc health = %+v", h)
	}
	if vm.Runtime != config.QEMU || !vm.Nanos || vm.VCPUs != 1 || vm.Accel != "auto" {
		t.Errorf("unikernel = %+v", vm)
	}
}

func TestBrokenFileCostsOnlyItself(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"stages.toml":        "[[stage]]\nname = \"a\"\n[[stage]]\nname = \"b\"\n",
		"services/good.toml": "stage = \"a\"\n" + podmanService,
		"services/bad.toml":  "stage = \"b\"\nnope = 1\n" + podmanService,
		"services/ugly.toml": "stage = \"b\"\n[[components]\n",
	})
	tree, ps := Tree([]string{dir}, "n")
	if len(tree.Services) != 1 || tree.Services[0].Name != "good" {
		t.Errorf("services = %v", serviceNames(tree))
	}
	if len(tree.Broken) != 2 || tree.Broken[0].Name != "bad" || tree.Broken[0].Stage != "b" || tree.Broken[1].Stage != "b" {
		t.Errorf("broken = %+v %+v", tree.Broken[0], tree.Broken[1])
	}
	if len(ps) != 2 {
		t.Errorf("problems = %v", ps)
	}
}

func TestPortRoundTrip(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"80", "8080:80", ":80", "127.0.0.1:18443:8443", "127.0.0.1::80", "[::1]:8080:80", "53:53/udp"} {
		p, err := config.ParsePort(spec)
		if err != nil {
			t.Errorf("config.ParsePort(%q): %v", spec, err)
			continue
		}
		want := spec
		if spec == ":80" {
			want = "80" // no host port and no address: podman reads both the same
		}
		if p.String() != want {
			t.Errorf("config.ParsePort(%q).String() = %q", spec, p.String())
		}
	}
}

// SourcePath= must be absolute, or systemd ignores it: relative config
// directories are made absolute.
func TestRelativeConfigPathGivesAbsoluteSources(t *testing.T) {
	dir := writeTree(t, map[string]string{"services/a.toml": podmanService})
	t.Chdir(filepath.Dir(dir))
	tree := mustLoad(t, "n", filepath.Base(dir))
	if src := tree.Services[0].Source; !filepath.IsAbs(src) {
		t.Errorf("Source = %q, want an absolute path", src)
	}
}

// A service file that is no regular file must not hold the generator:
// /dev/zero is read only as far as the limit, a FIFO without a writer is
// not waited for.
func TestFilesThatNeverEnd(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"services/good.toml": "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n"})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "services", "zero.toml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "services", "fifo.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problemLines(t, dir), "\n")
	want := "services/fifo.toml:1:1: a service needs at least one component (add a [[components]] table)\n" +
		"services/zero.toml:1:1048577: file larger than 1 MiB: expected a few kilobytes (reading stopped here; is this the file you meant?)"
	if got != want {
		t.Errorf("problems:\n%s\nwant exactly:\n%s", got, want)
	}
}

// bootstage.toml is read as every configuration file is: a FIFO there
// does not block the generator at boot, /dev/zero does not fill memory.
func TestNodeFileThatNeverEnds(t *testing.T) {
	t.Parallel()
	for _, make := range []func(string) error{
		func(p string) error { return syscall.Mkfifo(p, 0o644) },
		func(p string) error { return os.Symlink("/dev/zero", p) },
	} {
		dir := t.TempDir()
		if err := make(filepath.Join(dir, NodeFile)); err != nil {
			t.Fatal(err)
		}
		_, sp := Settings([]string{dir})
		_, np := loadNode([]string{dir})
		if len(sp) > 1 || len(np) > 1 {
			t.Errorf("problems: %v, %v", sp, np)
		}
	}
}
