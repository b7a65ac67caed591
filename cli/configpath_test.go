package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commandsWithConfig are a command line of every command that reads the
// config, each valid but for where the config is.
var commandsWithConfig = [][]string{
	{"validate"},
	{"generate", "--dry-run"},
	{"plan"},
	{"graph"},
	{"status"},
	{"up"},
	{"down"},
	{"logs"},
	{"vm", "status", "vm/guest"},
	{"vm", "stop", "vm/guest"},
}

// A config directory that the user named, with --config-path or
// BOOTSTAGE_CONFIG_PATH, and that is not one is exit 2 with one line, in
// every command that reads the config: reading nothing and saying "ok"
// would hide the typo.
func TestNamedConfigPathMustExist(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		flag []string          // the -C part of the command line
		env  map[string]string // the environment
		code int
		want string // stderr
	}{
		{"missing", []string{"-C", "testdata/missing"}, nil, ExitError,
			"bootstage: testdata/missing: no such config directory (from --config-path)\n"},
		{"second of two missing", []string{"--config-path", "testdata/stack:testdata/missing"}, nil, ExitError,
			"bootstage: testdata/missing: no such config directory (from --config-path)\n"},
		{"a file", []string{"-C", "testdata/stack/stages.toml"}, nil, ExitError,
			"bootstage: testdata/stack/stages.toml: not a directory (from --config-path, which names directories holding stages.toml and services/)\n"},
		{"empty", []string{"-C", ""}, nil, ExitError,
			"bootstage: --config-path names no directory\n"},
		{"only colons", []string{"-C", "::"}, nil, ExitError,
			"bootstage: --config-path names no directory\n"},
		{"environment", nil, map[string]string{"BOOTSTAGE_CONFIG_PATH": "testdata/missing"}, ExitError,
			"bootstage: testdata/missing: no such config directory (from BOOTSTAGE_CONFIG_PATH)\n"},
		{"environment, only colons", nil, map[string]string{"BOOTSTAGE_CONFIG_PATH": ":"}, ExitError,
			"bootstage: BOOTSTAGE_CONFIG_PATH names no directory\n"},
	}
	for _, c := range cases {
		for _, cmd := range commandsWithConfig {
			t.Run(c.name+"/"+strings.Join(cmd, " "), func(t *testing.T) {
				t.Parallel()
				te := newTestEnv(t, nil)
				for k, v := range c.env {
					te.vars[k] = v
				}
				args := append(append([]string{}, cmd...), c.flag...)
				got := Main(t.Context(), append([]string{"bootstage"}, args...), te.Env)
				if got != c.code || te.err.String() != c.want || te.out.Len() > 0 {
					t.Errorf("bootstage %s: exit %d, stdout %q, stderr\n%s\nwant exit %d, no stdout, stderr\n%s",
						strings.Join(args, " "), got, te.out.String(), te.err.String(), c.code, c.want)
				}
			})
		}
	}
}

// --config-path wins over BOOTSTAGE_CONFIG_PATH, which then is not looked at.
func TestConfigFlagWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	te := newTestEnv(t, nil)
	te.vars["BOOTSTAGE_CONFIG_PATH"] = "testdata/missing"
	got, code := te.run("validate", "-C", "testdata/stack")
	if code != ExitOK || !strings.Contains(got, "\nok: ") {
		t.Errorf("exit %d:\n%s", code, got)
	}
}

// In the default search path a missing directory is normal; none at all
// means there is nothing to validate, which validate says (exit 2) rather
// than "ok". A search path with an empty directory is a valid config with
// nothing to run, and validate says that too.
func TestValidateDefaultSearchPath(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	etc, run := filepath.Join(tmp, "etc"), filepath.Join(tmp, "run")
	te := newTestEnv(t, nil)
	te.SearchPath = []string{etc, run}
	code := Main(t.Context(), []string{"bootstage", "validate"}, te.Env)
	want := "bootstage: no configuration found in " + etc + ", " + run + " (put service files in " + etc +
		"/services, or name the config's directories with --config-path or BOOTSTAGE_CONFIG_PATH)\n"
	if code != ExitError || te.err.String() != want || te.out.Len() > 0 {
		t.Errorf("no directory: exit %d, stdout %q, stderr\n%s\nwant exit 2, stderr\n%s", code, te.out.String(), te.err.String(), want)
	}

	if err := os.MkdirAll(filepath.Join(run, "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	te = newTestEnv(t, nil)
	te.SearchPath = []string{etc, run}
	code = Main(t.Context(), []string{"bootstage", "validate"}, te.Env)
	want = "ok: 1 stage(s), 0 service(s), 0 component(s); nothing runs on this node: bootstage.target starts nothing\n"
	if code != ExitOK || te.out.String() != want || te.err.Len() > 0 {
		t.Errorf("an empty directory: exit %d, stderr %q, stdout\n%s\nwant exit 0, stdout\n%s", code, te.err.String(), te.out.String(), want)
	}
}

// Only validate asks for a configuration: the other commands show what the
// generator does with none, which is a bootstage.target that starts
// nothing (plan, for one, must be able to show that removing
// /etc/bootstage removes every unit).
func TestNoConfigurationIsEmptyElsewhere(t *testing.T) {
	t.Parallel()
	te := newTestEnv(t, nil)
	te.SearchPath = []string{filepath.Join(t.TempDir(), "etc")}
	code := Main(t.Context(), []string{"bootstage", "generate", "--dry-run"}, te.Env)
	want := "==> bootstage.target <==\n" +
		"# Generated by bootstage-generator. Changes here are lost at the next daemon-reload.\n" +
		"# No service of the configuration runs on this node: this target starts nothing.\n" +
		"\n[Unit]\nDescription=bootstage: no service on this node\nDocumentation=man:bootstage(1)\n" +
		"\n==> multi-user.target.wants/bootstage.target -> ../bootstage.target <==\n"
	if code != ExitOK || te.out.String() != want || te.err.Len() > 0 {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant exit 0, stdout\n%s", code, te.err.String(), te.out.String(), want)
	}
}
