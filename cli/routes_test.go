package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/generator"
)

const routesTree = "../generator/testdata/cases/routes"

// plan lists every route's host port and says which one moves; validate
// and plan name the services active = false keeps out.
func TestPlanRoutes(t *testing.T) {
	t.Parallel()
	host := testHost
	out, err := generator.Generate(generator.Options{ConfigPath: []string{routesTree}, Hostname: "node1", Host: &host})
	if err != nil {
		t.Fatal(err)
	}
	live := t.TempDir()
	if err := out.Write(live); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(live, "metacrypt-api.service")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, strings.ReplaceAll(string(b), generator.RouteKey+"=PORT_WEB=33116", generator.RouteKey+"=PORT_WEB=33000"))
	te := newTestEnv(t, nil)
	got, code := te.run("plan", "-C", routesTree, "--against", live)
	want := "$ bootstage plan -C " + routesTree + " --against " + live + `
inactive (active = false), nothing generated: off
route mcq.service PORT: host port 19443
route metacrypt-api.service PORT_GRPC: host port 55269
route metacrypt-api.service PORT_WEB: host port 33116 (moves from 33000)
`
	if code != 1 || !strings.HasPrefix(got, want) {
		t.Errorf("exit %d, output:\n%s\nwant it to begin:\n%s", code, got, want)
	}
	te = newTestEnv(t, nil)
	got, code = te.run("validate", "-C", routesTree)
	if want := "inactive (active = false), nothing generated: off\n"; code != 0 || !strings.Contains(got, want) {
		t.Errorf("validate: exit %d, output:\n%s\nwant it to end: %s", code, got, want)
	}
}
