package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// bootWith boots a machine that has tree's binaries and configuration from
// the start, bound in read-only, so the generator runs at boot and
// multi-user.target pulls bootstage.target in, as on a node that boots.
func bootWith(t *testing.T, hostname, tree string) *harness.Machine {
	t.Helper()
	var binds []string
	for _, p := range []string{harness.GeneratorPath, harness.HealthdPath, harness.CLIPath, harness.ConfigDir} {
		binds = append(binds, "--bind-ro="+filepath.Join(tree, p)+":"+p)
	}
	return harness.Boot(t, harness.Options{Hostname: hostname, NspawnArgs: binds})
}

// brokenStages is a stages.toml with one mistake.
const brokenStages = `[[stage]]
name = "foundation"
on_timeout = "wait"
`

// brokenStagesProblem is that mistake as the generator reports it.
const brokenStagesProblem = `/etc/bootstage/stages.toml:3:14: stage[0].on_timeout: unknown value "wait" (expected one of: block, proceed, fail)`

// TestBrokenStagesFailsTheTarget boots the three-stage example with an
// invalid stages.toml (issue 14): bootstage.target must not become active
// with nothing running, and its own status must say why. A target has no
// failed state in systemd 252: after its Requires= failed it is inactive
// (dead), its start job failed with result "dependency".
func TestBrokenStagesFailsTheTarget(t *testing.T) {
	tree := harness.Tree(t, "three-stage")
	if err := os.WriteFile(filepath.Join(tree, harness.ConfigDir, "stages.toml"), []byte(brokenStages), 0o644); err != nil {
		t.Fatal(err)
	}
	m := bootWith(t, "bootstage-exits-stages", tree) // returns once boot is over

	if got := m.Property("bootstage.target", "ActiveState"); got != "inactive" {
		t.Errorf("bootstage.target is %s after boot, want inactive", got)
	}
	if got := m.Property("bootstage-stages.service", "ActiveState"); got != "failed" {
		t.Errorf("bootstage-stages.service is %s after boot, want failed", got)
	}
	err := harness.Eventually(10*time.Second, func() error { // journald writes a moment later
		status, _ := m.Run("systemctl", "status", "--no-pager", "-l", "-n", "50", "bootstage.target")
		for _, want := range []string{brokenStagesProblem, "Dependency failed for bootstage.target"} {
			if !strings.Contains(status, want) {
				return fmt.Errorf("systemctl status bootstage.target does not say %q:\n%s", want, status)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	// No stage target, no gate, no container: nothing runs in an unknown order.
	if units := m.MustRun("systemctl", "list-units", "--all", "--plain", "--no-legend", "bootstage-*"); strings.Contains(units, "gate") ||
		strings.Contains(units, "bootstage-foundation") {
		t.Errorf("stage units are loaded although stages.toml is invalid:\n%s", units)
	}
	if ps := strings.TrimSpace(m.MustRun("podman", "ps", "-a", "--format", "{{.Names}}")); ps != "" {
		t.Errorf("containers ran although stages.toml is invalid: %s", ps)
	}
	if out, err := m.Run("systemctl", "start", "bootstage.target"); err == nil ||
		!strings.Contains(out, "A dependency job for bootstage.target failed") {
		t.Errorf("systemctl start bootstage.target: %v, want a failed dependency:\n%s", err, out)
	}
	out, err := m.Run("bootstage", "up")
	if err == nil || !strings.Contains(out, brokenStagesProblem) || !strings.Contains(out, "bootstage: starting bootstage.target failed: bootstage-stages.service failed") {
		t.Errorf("bootstage up: %v, want exit 1 naming bootstage-stages.service and %q:\n%s", err, brokenStagesProblem, out)
	}
	out, err = m.Run("bootstage", "status")
	want := "no stage runs: /etc/bootstage/stages.toml is invalid, so bootstage.target fails (bootstage-stages.service says why)\n"
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("bootstage status: %v, want exit 1 and %q:\n%s", err, want, out)
	}
}

// TestEmptyConfigStartsNothing boots a node as the package leaves it: an
// empty /etc/bootstage/services. No gate watches nothing; bootstage.target
// is active and starts nothing, and the command line says so.
func TestEmptyConfigStartsNothing(t *testing.T) {
	tree := harness.Tree(t, "")
	if err := os.MkdirAll(filepath.Join(tree, harness.ConfigDir, "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := bootWith(t, "bootstage-exits-empty", tree)

	if got := m.Property("bootstage.target", "ActiveState"); got != "active" {
		t.Errorf("bootstage.target is %s after boot, want active", got)
	}
	if units := strings.TrimSpace(m.MustRun("systemctl", "list-units", "--all", "--plain", "--no-legend", "bootstage-*")); units != "" {
		t.Errorf("units were generated for an empty config:\n%s", units)
	}
	if got := m.MustShell("cd /run/systemd/generator && find . -name 'bootstage*' | sort"); got != "./bootstage.target\n./multi-user.target.wants/bootstage.target\n" {
		t.Errorf("generated for an empty config:\n%s", got)
	}
	m.MustRun("systemctl", "start", "bootstage.target")
	if out := m.MustRun("bootstage", "up"); !strings.Contains(out, "bootstage.target active after") {
		t.Errorf("bootstage up:\n%s", out)
	}
	if got, want := m.MustRun("bootstage", "status"), "no stage: no service runs on this node\n"; got != want {
		t.Errorf("bootstage status: %q, want %q", got, want)
	}
	if got, want := m.MustRun("bootstage", "validate"), "ok: 1 stage(s), 0 service(s), 0 component(s); nothing runs on this node: bootstage.target starts nothing\n"; got != want {
		t.Errorf("bootstage validate: %q, want %q", got, want)
	}
	for _, script := range []string{"bootstage validate -C /nonexistent", "BOOTSTAGE_CONFIG_PATH=/nonexistent bootstage validate"} {
		out, err := m.Shell(script + "; echo exit $?")
		from := "--config-path"
		if strings.HasPrefix(script, "BOOTSTAGE") {
			from = "BOOTSTAGE_CONFIG_PATH"
		}
		if want := "bootstage: /nonexistent: no such config directory (from " + from + ")\nexit 2\n"; err != nil || out != want {
			t.Errorf("%s: %v\n%s\nwant\n%s", script, err, out, want)
		}
	}
}
