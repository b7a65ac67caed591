package cli

import (
	"strings"
	"testing"
)

// bootstage import mcp ... --output DIR && bootstage validate -C DIR: the
// path the README shows. A failed import writes nothing and says why.
func TestImportMCP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	te := newTestEnv(t, nil)
	got, code := te.run("import", "mcp", "--agent-config", "../importer/testdata/mcp-agent/agent.toml",
		"--registry", "mcr.example:8443", "--image-path", "/usr/local/bin/mcns", "--output", dir, "../importer/testdata/mcp")
	if code != 0 || !strings.Contains(got, "v2-mcq.toml:4:1: tier: left out:") {
		t.Fatalf("import: exit %d\n%s", code, got)
	}
	te = newTestEnv(t, nil)
	got, code = te.run("validate", "-C", dir)
	if want := "ok: 3 stage(s), 1 service(s), 1 component(s); 2 service(s) not for this node\ninactive (active = false), nothing generated: exo\n"; code != 0 || !strings.Contains(got, want) {
		t.Errorf("validate: exit %d\n%s\nwant:\n%s", code, got, want)
	}
	te = newTestEnv(t, nil)
	got, code = te.run("import", "mcp", "../importer/testdata/mcp/v2-mcq.toml")
	want := "v2-mcq.toml:15:3: components[0]: a component names no image: MCP derives REGISTRY/mcq:VERSION (pass --registry REGISTRY)\nbootstage: 1 problem(s): nothing imported\n--- exit 1\n"
	if code != 1 || !strings.HasSuffix(got, want) {
		t.Errorf("import without --registry: exit %d\n%s\nwant it to end:\n%s", code, got, want)
	}
}

// bootstage import compose FILE --output DIR && bootstage validate -C DIR.
func TestImportCompose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	te := newTestEnv(t, nil)
	got, code := te.run("import", "compose", "--output", dir, "../importer/testdata/compose/health-stack.yaml")
	if code != 0 || !strings.Contains(got, "health-stack.yaml:86:5: secrets.db-password.file: -> secrets/db-password.toml: file = ") {
		t.Fatalf("import: exit %d\n%s", code, got)
	}
	te = newTestEnv(t, nil)
	got, code = te.run("validate", "-C", dir)
	if want := "ok: 3 stage(s), 5 service(s), 5 component(s)\n"; code != 0 || !strings.Contains(got, want) {
		t.Errorf("validate: exit %d\n%s\nwant:\n%s", code, got, want)
	}
}

// bootstage import quadlet DIR --output OUT && bootstage validate -C OUT.
func TestImportQuadlet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	te := newTestEnv(t, nil)
	got, code := te.run("import", "quadlet", "--output", dir, "../importer/testdata/quadlet")
	if code != 0 || !strings.Contains(got, "web.container:34:1: Install.WantedBy: left out: bootstage.target wants every stage") {
		t.Fatalf("import: exit %d\n%s", code, got)
	}
	te = newTestEnv(t, nil)
	got, code = te.run("validate", "-C", dir)
	if want := "ok: 1 stage(s), 2 service(s), 2 component(s)\n"; code != 0 || !strings.Contains(got, want) {
		t.Errorf("validate: exit %d\n%s\nwant:\n%s", code, got, want)
	}
}
