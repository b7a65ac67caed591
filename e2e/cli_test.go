package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// TestCLI is issue 5's end-to-end test: the `bootstage` command on the
// three-stage example under a real systemd, checked against systemctl,
// journalctl and podman.
func TestCLI(t *testing.T) {
	m := harness.Boot(t, harness.Options{})
	tree := harness.Tree(t, "three-stage")
	stack, err := harness.ReadStack(filepath.Join(tree, harness.ConfigDir))
	if err != nil {
		t.Fatal(err)
	}
	m.MustInstall(tree)
	m.DaemonReload()

	t.Run("plan after daemon-reload", func(t *testing.T) {
		out, code := bootstage(t, m, "plan")
		if code != 0 || !strings.HasPrefix(out, "no changes") {
			t.Errorf("plan: exit %d, want 0:\n%s", code, out)
		}
	})
	t.Run("up", func(t *testing.T) { cliUp(t, m, stack) })
	t.Run("status --json agrees with systemctl show", func(t *testing.T) { cliStatus(t, m, stack) })
	t.Run("logs", func(t *testing.T) {
		out, code := bootstage(t, m, "logs", "metacrypt/api", "-n", "100")
		if code != 0 || !strings.Contains(out, "metacrypt: api ready") {
			t.Errorf("logs: exit %d, want 0 and the container's output:\n%s", code, out)
		}
	})
	t.Run("plan after editing one file", func(t *testing.T) { cliPlan(t, m) })
	t.Run("down", func(t *testing.T) { cliDown(t, m, stack) })
}

// bootstage runs the installed CLI in the machine and returns its output
// and exit code.
func bootstage(t *testing.T, m *harness.Machine, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	out, err := m.RunContext(ctx, append([]string{harness.CLIPath}, args...)...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, 0
	case errors.As(err, &ee):
		return out, ee.ExitCode()
	}
	t.Fatalf("bootstage %s: %v\n%s", strings.Join(args, " "), err, out)
	return "", -1
}

func cliUp(t *testing.T, m *harness.Machine, s *harness.Stack) {
	out, code := bootstage(t, m, "up")
	if code != 0 {
		t.Fatalf("up: exit %d, want 0:\n%s", code, out)
	}
	t.Logf("bootstage up:\n%s", out)
	if !strings.Contains(out, "bootstage.target active after") {
		t.Errorf("up did not report bootstage.target active:\n%s", out)
	}
	for _, st := range s.Stages {
		// Every stage's gate opens, and the progress says so.
		if !containsLine(out, st.Name, "gate", "open") {
			t.Errorf("up output lacks the opening of stage %s's gate:\n%s", st.Name, out)
		}
		if got := m.Property(st.Target, "ActiveState"); got != "active" {
			t.Errorf("%s is %s after up", st.Target, got)
		}
	}
}

// containsLine reports whether one line of out holds every word, in order.
func containsLine(out string, words ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		rest, ok := l, true
		for _, w := range words {
			i := strings.Index(rest, w)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w):]
		}
		if ok {
			return true
		}
	}
	return false
}

// statusJSON is the part of `bootstage status --json` the test reads.
type statusJSON struct {
	Stages []struct {
		Name   string     `json:"name"`
		Open   bool       `json:"open"`
		Target unitJSON   `json:"target"`
		Gate   unitJSON   `json:"gate"`
		Comps  []compJSON `json:"components"`
	} `json:"stages"`
}

type unitJSON struct {
	Unit        string `json:"unit"`
	ActiveState string `json:"active_state"`
	SubState    string `json:"sub_state"`
	StatusText  string `json:"status_text"`
}

type compJSON struct {
	Name   string   `json:"name"`
	State  unitJSON `json:"state"`
	Health string   `json:"health"`
}

func cliStatus(t *testing.T, m *harness.Machine, s *harness.Stack) {
	text, _ := bootstage(t, m, "status")
	t.Logf("bootstage status:\n%s", text)
	out, code := bootstage(t, m, "status", "--json")
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json (exit %d): %v\n%s", code, err, out)
	}
	if code != 0 {
		t.Errorf("status: exit %d, want 0 with every stage open:\n%s", code, out)
	}
	if len(st.Stages) != len(s.Stages) {
		t.Fatalf("status lists %d stages, the config has %d", len(st.Stages), len(s.Stages))
	}
	agree := func(u unitJSON) {
		for prop, got := range map[string]string{"ActiveState": u.ActiveState, "SubState": u.SubState, "StatusText": u.StatusText} {
			if prop == "StatusText" && !strings.HasSuffix(u.Unit, ".service") {
				continue
			}
			if want := m.Property(u.Unit, prop); got != want {
				t.Errorf("%s %s: status says %q, systemctl show %q", u.Unit, prop, got, want)
			}
		}
	}
	for i, ss := range st.Stages {
		want := s.Stages[i]
		if ss.Name != want.Name || ss.Target.Unit != want.Target || ss.Gate.Unit != want.Gate {
			t.Errorf("stage %d is %s (%s, %s), want %s (%s, %s)", i, ss.Name, ss.Target.Unit, ss.Gate.Unit,
				want.Name, want.Target, want.Gate)
		}
		agree(ss.Target)
		agree(ss.Gate)
		if len(ss.Comps) != len(want.Components) {
			t.Errorf("stage %s: %d components, want %d", ss.Name, len(ss.Comps), len(want.Components))
		}
		for _, c := range ss.Comps {
			agree(c.State)
			if c.Health != "healthy" {
				t.Errorf("%s: health %s, want healthy", c.Name, c.Health)
			}
		}
	}
}

// cliPlan edits one service file and expects plan to show exactly that
// unit changed.
func cliPlan(t *testing.T, m *harness.Machine) {
	file := filepath.Join(m.Root(), harness.ConfigDir, "services", "metacrypt.toml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `env = ["LOG_LEVEL=info"]`, `env = ["LOG_LEVEL=debug"]`, 1)
	if edited == string(b) {
		t.Fatalf("%s has no LOG_LEVEL=info to edit:\n%s", file, b)
	}
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := bootstage(t, m, "plan")
	if code != 1 {
		t.Errorf("plan: exit %d, want 1:\n%s", code, out)
	}
	var marks []string
	for _, l := range strings.Split(out, "\n") {
		for _, p := range []string{"+ added", "- removed", "~ changed"} {
			if strings.HasPrefix(l, p) {
				marks = append(marks, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	if len(marks) != 1 || marks[0] != "~ changed metacrypt-api.service" {
		t.Errorf("plan lists %q, want only metacrypt-api.service changed:\n%s", marks, out)
	}
	if !containsLine(out, "-", "LOG_LEVEL=info") || !containsLine(out, "+", "LOG_LEVEL=debug") {
		t.Errorf("plan's diff does not show the edit:\n%s", out)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func cliDown(t *testing.T, m *harness.Machine, s *harness.Stack) {
	out, code := bootstage(t, m, "down")
	t.Logf("bootstage down:\n%s", out)
	if code != 0 {
		t.Fatalf("down: exit %d, want 0:\n%s", code, out)
	}
	units := []string{"bootstage.target"}
	for _, st := range s.Stages {
		units = append(units, st.Target, st.Gate)
	}
	for _, u := range append(units, s.Units()...) {
		if got := m.Property(u, "ActiveState"); got == "active" || got == "activating" || got == "deactivating" {
			t.Errorf("%s is %s after down", u, got)
		}
	}
	if ps := strings.TrimSpace(m.MustRun("podman", "ps", "-q")); ps != "" {
		t.Errorf("containers still running after down: %s", ps)
	}
}
