package importer_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/importer"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units/unitstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var host = runtimes.Host{Podman: "/usr/bin/podman", QEMU: "/usr/bin/qemu-system-x86_64",
	Bootstage: "/usr/bin/bootstage", Healthd: "/usr/libexec/bootstage/bootstage-healthd", CgroupsMode: "split"}

// golden compares the report and the tree of an import with
// testdata/golden/NAME.txt, and checks that the tree validates.
func golden(t *testing.T, name string, tree *importer.Tree, r *importer.Report) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("--- report\n")
	r.Write(&b)
	if tree != nil {
		b.WriteString("--- tree\n")
		tree.Dump(&b)
		validates(t, tree)
	}
	if wd, err := os.Getwd(); err == nil { // relative paths made absolute
		b = *bytes.NewBufferString(strings.ReplaceAll(b.String(), wd+"/", "IMPORTER/"))
	}
	file := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("%s differs (go test ./importer -update rewrites it):\n%s", file, b.String())
	}
}

// validates generates the tree as bootstage validate does: no problem.
func validates(t *testing.T, tree *importer.Tree) {
	t.Helper()
	dir := t.TempDir()
	if err := tree.Write(dir); err != nil {
		t.Fatal(err)
	}
	h := host
	out, err := generator.Generate(generator.Options{ConfigPath: []string{dir}, Hostname: "rift", Host: &h,
		FileExists: func(p string) bool { return strings.HasPrefix(p, "/usr/lib/nanos/") }}) // Nanos installed
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Problems {
		t.Errorf("the imported tree does not validate: %s", strings.ReplaceAll(p.Error(), dir+"/", ""))
	}
	verify(t, out)
}

// verify runs systemd-analyze verify over the imported tree's units.
func verify(t *testing.T, out *generator.Output) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the units are not verified")
	}
	for _, bin := range []string{host.Podman, host.QEMU} {
		if _, err := os.Stat(bin); err != nil {
			t.Skip(bin + " is not installed (scripts/install-deps.sh installs it): the units are not verified")
		}
	}
	files := map[string][]byte{}
	for _, u := range out.Units {
		files[u.Name] = u.Bytes()
	}
	lines, err := unitstest.Verify(analyze, t.TempDir(), files, host.Healthd, host.Bootstage)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		t.Errorf("systemd-analyze verify: %s", l)
	}
}

// Every MCP shape of issue 18, one golden import each.
func TestMCP(t *testing.T) {
	t.Parallel()
	const registry = "mcr.example:8443"
	cases := []struct {
		name    string
		sources []string
		opt     importer.MCPOptions
	}{
		{"mcp-v1", []string{"testdata/mcp/v1-metacrypt.toml"}, importer.MCPOptions{}},
		{"mcp-v2-routes", []string{"testdata/mcp/v2-mcq.toml", "testdata/mcp/v2-inactive.toml"}, importer.MCPOptions{Registry: registry}},
		{"mcp-v2-no-registry", []string{"testdata/mcp/v2-mcq.toml"}, importer.MCPOptions{}},
		{"mcp-unikernel", []string{"testdata/mcp/unikernel-mcns.toml"}, importer.MCPOptions{Registry: registry, ImagePath: "/usr/local/bin/mcns"}},
		{"mcp-unikernel-no-image-path", []string{"testdata/mcp/unikernel-mcns.toml"}, importer.MCPOptions{Registry: registry}},
		{"mcp-agent", []string{"testdata/mcp"}, importer.MCPOptions{AgentConfig: "testdata/mcp-agent/agent.toml",
			Registry: registry, ImagePath: "/usr/local/bin/mcns"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tree, r := importer.MCP(c.sources, c.opt)
			golden(t, c.name, tree, r)
		})
	}
}

// Compose files: health dependencies become stages; what has no mapping
// is reported.
func TestCompose(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"health-stack", "flat", "errors", "resources"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tree, r := importer.Compose("testdata/compose/" + name + ".yaml")
			golden(t, "compose-"+name, tree, r)
		})
	}
}

// Quadlet files: .container files become services; .network, .volume and
// .image files networks/, volumes/ and images/ files; what cannot be
// imported is an error at its key.
func TestQuadlet(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"quadlet", "quadlet-errors"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tree, r := importer.Quadlet([]string{"testdata/" + name})
			golden(t, name, tree, r)
		})
	}
}
