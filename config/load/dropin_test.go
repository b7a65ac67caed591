package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dropInBase = `stage = "default"
[[components]]
name = "api"
image = "registry.example/api:1"
cmd = ["serve", "--old"]
env = { A = "1", B = "2" }
ports = ["1001:1"]
[components.health]
check = "tcp"
port = 1001
[[components]]
name = "worker"
image = "registry.example/worker:1"
ports = ["1002:1"]
`

// Drop-ins merge over the file in file-name order, from every directory:
// a key replaces, a table merges, [[components]] merge by name (a new name
// is appended), arrays replace; a higher directory's drop-in hides the
// same file name below, and /dev/null masks it.
func TestDropInsMerge(t *testing.T) {
	t.Parallel()
	low := writeTree(t, map[string]string{
		"services/svc.toml": dropInBase,
		"services/svc.toml.d/10-cmd.toml": `[[components]]
name = "api"
cmd = ["serve", "--new"]
env = { B = "two", C = "3" }
[components.health]
port = 1003
`,
		"services/svc.toml.d/20-image.toml":  "[[components]]\nname = \"api\"\nimage = \"registry.example/api:2\"\n",
		"services/svc.toml.d/30-masked.toml": "[[components]]\nname = \"api\"\nimage = \"masked\"\n",
		"services/svc.toml.d/40-hidden.toml": "[[components]]\nname = \"api\"\nimage = \"hidden\"\n",
		"services/svc.toml.d/50-extra.toml":  "[[components]]\nname = \"extra\"\nimage = \"registry.example/extra:1\"\nports = [\"1004:1\"]\n",
		"services/svc.toml.d/notes.txt":      "not a drop-in",
		"networks/net.toml":                  "driver = \"bridge\"\n",
		"networks/net.toml.d/10.toml":        "internal = true\n",
	})
	high := writeTree(t, map[string]string{
		"services/svc.toml.d/40-hidden.toml": "[[components]]\nname = \"worker\"\nports = [\"2002:1\"]\n",
	})
	if err := os.Symlink("/dev/null", filepath.Join(high, "services/svc.toml.d/30-masked.toml")); err != nil {
		t.Fatal(err)
	}
	tree, ps := Tree([]string{high, low}, "node1")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	s := tree.Services[0]
	var names []string
	for _, f := range s.DropIns {
		names = append(names, strings.TrimPrefix(strings.TrimPrefix(f, high+"/"), low+"/"))
	}
	if got, want := strings.Join(names, " "), "services/svc.toml.d/10-cmd.toml services/svc.toml.d/20-image.toml services/svc.toml.d/40-hidden.toml services/svc.toml.d/50-extra.toml"; got != want {
		t.Errorf("drop-ins:\n got %s\nwant %s", got, want)
	}
	if len(s.Components) != 3 {
		t.Fatalf("%d components, want 3", len(s.Components))
	}
	api, worker, extra := s.Components[0], s.Components[1], s.Components[2]
	if api.Image != "registry.example/api:2" || strings.Join(api.Cmd, " ") != "serve --new" {
		t.Errorf("api: image %q cmd %q", api.Image, api.Cmd)
	}
	var env []string
	for _, e := range api.Env {
		env = append(env, e.Key+"="+e.Value)
	}
	if got := strings.Join(env, " "); got != "A=1 B=two C=3" {
		t.Errorf("api env (tables merge key by key): %s", got)
	}
	if api.Health.Port != 1003 || api.Health.Check != "tcp" {
		t.Errorf("api health (a nested table merges): %+v", api.Health)
	}
	if worker.Ports[0].HostPort != 2002 || worker.Image != "registry.example/worker:1" {
		t.Errorf("worker (arrays replace): %+v", worker)
	}
	if extra.Name != "extra" {
		t.Errorf("third component %q, want the drop-in's extra", extra.Name)
	}
	if !tree.Resources.Networks["net"].Internal || len(tree.Resources.Networks["net"].DropIns) != 1 {
		t.Errorf("network drop-in: %+v", tree.Resources.Networks["net"])
	}
}

// A mistake in a drop-in is reported at the drop-in's file and line.
func TestDropInErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, dropIn, want string
	}{
		{"unknown key", "[[components]]\nname = \"api\"\nimgae = \"x\"\n",
			`services/svc.toml.d/10.toml:3:1: components[0].imgae: unknown key (did you mean "image"?)`},
		{"bad value in a new component", "[[components]]\nname = \"new\"\nimage = \"x\"\nports = [\"1:1\"]\nrestart = \"sometimes\"\n",
			`services/svc.toml.d/10.toml:5:11: components[0].restart: unknown value "sometimes" (expected one of: no, on-failure, always, unless-stopped)`},
		{"syntax", "[[components]\n",
			`services/svc.toml.d/10.toml:1:13: components[0]: table name not closed: expected ]], got the end of the line ([[name]] for each table of a list)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"services/svc.toml": dropInBase, "services/svc.toml.d/10.toml": tc.dropIn})
			if got := strings.Join(problemLines(t, dir), "\n"); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
