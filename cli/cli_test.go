package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/runtimes"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// testHost is a fixed machine, so generated units do not depend on where
// the tests run.
var testHost = runtimes.Host{Podman: "/usr/bin/podman", QEMU: "/usr/bin/qemu-system-x86_64",
	Bootstage: "/usr/bin/bootstage", Healthd: "/usr/libexec/bootstage/bootstage-healthd", CgroupsMode: "split"}

// testEnv is an Env with no machine behind it: buffers for output, a fixed
// clock, the fake systemd sd (nil: none), canned journal lines.
type testEnv struct {
	*Env
	out, err bytes.Buffer
	vars     map[string]string
	execed   []string
	ran      [][]string
}

// The cli tests do not call t.Parallel: urfave/cli/v2 applies its
// package-level HelpFlag to every command's flag set, a data race under
// -race when two apps run at once.
func newTestEnv(t *testing.T, sd *fakeSystemd) *testEnv {
	te := &testEnv{vars: map[string]string{}}
	host := testHost
	now := func() time.Time { return testNow }
	sleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if sd != nil {
		now = func() time.Time { return sd.now }
		sleep = sd.sleep
	}
	te.Env = &Env{
		Stdout: &te.out, Stderr: &te.err,
		Getenv:   func(k string) string { return te.vars[k] },
		Now:      now,
		Sleep:    sleep,
		Generate: generateOnTestHost,
		Host:     &host,
		Hostname: "node1",
		Dial: func(context.Context) (Systemd, error) {
			if sd == nil {
				return nil, fail(ExitNoSystemd, "cannot reach systemd over D-Bus: no bus in this test")
			}
			return sd, nil
		},
		Journal: func(_ context.Context, unit string, n int) (string, error) {
			return fmt.Sprintf("%s: starting\n%s: listen tcp :8080: address already in use\n", unit, unit), nil
		},
		Exec: func(argv []string) error { te.execed = argv; return nil },
		LookPath: func(name string) (string, error) {
			return "", errors.New("not installed")
		},
		Run: func(_ context.Context, argv []string, _ []byte) ([]byte, error) {
			te.ran = append(te.ran, argv)
			return []byte("IMAGE"), nil
		},
		LiveDir:       "testdata/no-such-dir",
		SystemdRunDir: t.TempDir(),
		PollInterval:  time.Second / 2,
	}
	return te
}

// run runs the command line and returns its transcript: stdout, then
// stderr and the exit code, as the golden files hold them.
func (te *testEnv) run(args ...string) (string, int) {
	code := Main(context.Background(), append([]string{"bootstage"}, args...), te.Env)
	var b strings.Builder
	b.WriteString("$ bootstage " + strings.Join(args, " ") + "\n")
	b.WriteString(te.out.String())
	if te.err.Len() > 0 {
		b.WriteString("--- stderr\n" + te.err.String())
	}
	fmt.Fprintf(&b, "--- exit %d\n", code)
	// Config paths are made absolute for SourcePath=: show them relative
	// to the package, so the golden files do not depend on the checkout.
	out := b.String()
	if wd, err := os.Getwd(); err == nil {
		out = strings.ReplaceAll(out, wd+"/", "")
	}
	return out, code
}

// golden compares got with testdata/golden/NAME.txt, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./cli -update rewrites it):\n%s", file,
			unifiedDiff("want", "got", string(want), got, 3))
	}
}

func TestGoldenOffline(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"help", []string{"--help"}, 0},
		{"help_up", []string{"up", "--help"}, 0},
		{"validate_ok", []string{"validate", "-C", "testdata/stack"}, 0},
		{"validate_bad", []string{"validate", "--config-path", "testdata/bad"}, 1},
		{"validate_missing_volumes", []string{"validate", "-C", "testdata/volumes"}, 0},
		{"generate_dry_run", []string{"generate", "--dry-run", "-C", "testdata/stack"}, 0},
		{"generate_bad", []string{"generate", "-n", "-C", "testdata/bad"}, 1},
		{"generate_no_mode", []string{"generate", "-C", "testdata/stack"}, 2},
		{"graph_dot", []string{"graph", "-C", "testdata/stack"}, 0},
		{"graph_mermaid", []string{"graph", "--format", "mermaid", "-C", "testdata/stack"}, 0},
		{"graph_broken_dot", []string{"graph", "-C", "testdata/broken"}, 0},
		{"graph_broken_mermaid", []string{"graph", "--format", "mermaid", "-C", "testdata/broken"}, 0},
		{"graph_render_no_dot", []string{"graph", "--render", "png", "-o", "x.png", "-C", "testdata/stack"}, 2},
		{"unknown_command", []string{"stauts"}, 2},
		{"unknown_flag", []string{"status", "--jsno"}, 2},
		{"unknown_stage", []string{"up", "-C", "testdata/stack", "cor"}, 2},
		{"unknown_component", []string{"logs", "-C", "testdata/stack", "web/apy"}, 2},
		{"plan_no_live", []string{"plan", "-C", "testdata/stack"}, 2},
		{"validate_bad_stages", []string{"validate", "-C", "testdata/bad-stages"}, 1},
		{"status_bad_stages", []string{"status", "-C", "testdata/bad-stages"}, 1},
		{"status_bad_stages_json", []string{"status", "--json", "-C", "testdata/bad-stages"}, 1},
		{"validate_no_service", []string{"validate", "-C", "testdata/no-service"}, 0},
		{"status_no_service", []string{"status", "-C", "testdata/no-service"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEnv(t, nil)
			got, code := te.run(c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
			golden(t, c.name, got)
		})
	}
}

// validate goes through the generator: a file whose unit would shadow one
// of systemd's or one of the machine's unit search path (testdata/shadow/
// system here) is a problem, and validate fails.
func TestValidateShadowing(t *testing.T) {
	t.Parallel()
	te := newTestEnv(t, nil)
	te.Host.UnitPath = []string{"testdata/shadow/system"}
	got, code := te.run("validate", "-C", "testdata/shadow/config")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	golden(t, "validate_shadow", got)
}

// generateOnTestHost is generator.Generate on the machine the golden
// outputs are for: Nanos's files are in /usr/lib/nanos, whatever this
// machine has (files a test makes exist as they are).
func generateOnTestHost(o generator.Options) (*generator.Output, error) {
	o.FileExists = func(p string) bool {
		_, err := os.Stat(p)
		return strings.HasPrefix(p, "/usr/lib/nanos/") || err == nil
	}
	return generator.Generate(o)
}
