package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// brokenService is a service file with a config error (an unknown key).
// The generator must still give it a unit that fails and says why, and
// must generate the rest of the stack as usual.
const brokenService = `# e2e: an invalid service file must not cost the stack its boot
stage = "core"

[[components]]
name = "web"
image = "localhost/bootstage-busybox:latest"
portz = ["127.0.0.1:18999:80"]
`

// TestThreeStageStack is issue 2's end-to-end test: the built binaries and
// contrib/examples/three-stage under a real systemd, started and stopped
// through bootstage.target.
func TestThreeStageStack(t *testing.T) {
	m := harness.Boot(t, harness.Options{})
	tree := harness.Tree(t, "three-stage")
	stack, err := harness.ReadStack(filepath.Join(tree, harness.ConfigDir))
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(tree, harness.ConfigDir, "services", "broken.toml")
	if err := os.WriteFile(broken, []byte(brokenService), 0o644); err != nil {
		t.Fatal(err)
	}
	m.MustInstall(tree)
	m.DaemonReload()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "start", "bootstage.target"); err != nil {
		t.Fatalf("start bootstage.target: %v\n%s", err, out)
	}

	t.Run("every unit active", func(t *testing.T) { unitsActive(t, m, stack) })
	t.Run("stages in order", func(t *testing.T) { stagesInOrder(t, m, stack) })
	t.Run("ports reachable", func(t *testing.T) { portsReachable(t, m, stack) })
	t.Run("container output in journal", func(t *testing.T) { outputInJournal(t, m, stack) })
	t.Run("broken service fails alone", func(t *testing.T) { brokenFails(t, m, stack) })
	t.Run("restart policy", func(t *testing.T) { restartPolicy(t, m, stack) })
	t.Run("stop removes containers", func(t *testing.T) { stopRemoves(t, m, stack) })
}

func unitsActive(t *testing.T, m *harness.Machine, s *harness.Stack) {
	want := []string{"bootstage.target"}
	for _, st := range s.Stages {
		want = append(want, st.Target, st.Gate)
	}
	want = append(want, s.Units()...)
	for _, u := range want {
		if got := m.Property(u, "ActiveState"); got != "active" {
			st, _ := m.Run("systemctl", "status", "--no-pager", "-n", "20", u)
			t.Errorf("%s is %s, want active:\n%s", u, got, st)
		}
	}
}

// stagesInOrder checks systemd's own record: each stage target became
// active after the one before it, and no component of a stage began
// starting before the previous stage's target was active.
func stagesInOrder(t *testing.T, m *harness.Machine, s *harness.Stack) {
	var prevTarget string
	var prevActive uint64
	for i, st := range s.Stages {
		active := monotonic(t, m, st.Target, "ActiveEnterTimestampMonotonic")
		if i > 0 && active <= prevActive {
			t.Errorf("%s active at %dµs, not after %s at %dµs", st.Target, active, prevTarget, prevActive)
		}
		for _, c := range st.Components {
			// A restart moves the timestamps; and nothing should restart in a clean start.
			if n := m.Property(c.Unit, "NRestarts"); n != "0" {
				j := m.Journal(c.Unit)
				t.Errorf("%s restarted %s times during the start; its journal:\n%s", c.Unit, n, j)
				continue
			}
			began := monotonic(t, m, c.Unit, "InactiveExitTimestampMonotonic")
			if i > 0 && began < prevActive {
				t.Errorf("%s began starting at %dµs, before %s was active at %dµs", c.Unit, began, prevTarget, prevActive)
			}
			ready := monotonic(t, m, c.Unit, "ActiveEnterTimestampMonotonic")
			if gate := monotonic(t, m, st.Gate, "InactiveExitTimestampMonotonic"); gate < ready {
				t.Errorf("%s began at %dµs, before its component %s was active at %dµs", st.Gate, gate, c.Unit, ready)
			}
		}
		prevTarget, prevActive = st.Target, active
	}
}

func monotonic(t *testing.T, m *harness.Machine, unit, prop string) uint64 {
	t.Helper()
	v := m.Property(unit, prop)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("%s %s = %q: the unit never got there", unit, prop, v)
	}
	return n
}

func portsReachable(t *testing.T, m *harness.Machine, s *harness.Stack) {
	n := 0
	for _, st := range s.Stages {
		for _, c := range st.Components {
			for _, a := range c.Ports {
				n++
				if err := m.Dial(a); err != nil {
					t.Errorf("%s: %v", c.Unit, err)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the example publishes no port: nothing was checked")
	}
}

// outputInJournal compares what podman saw the container print with what
// `journalctl -u UNIT` shows: every line must be in the unit's journal.
func outputInJournal(t *testing.T, m *harness.Machine, s *harness.Stack) {
	for _, u := range s.Units() {
		name := strings.TrimSuffix(u, ".service")
		err := harness.Eventually(10*time.Second, func() error {
			logs, err := m.Run("podman", "logs", name)
			if err != nil {
				return fmt.Errorf("podman logs %s: %v\n%s", name, err, logs)
			}
			if strings.TrimSpace(logs) == "" {
				return fmt.Errorf("%s printed nothing yet", name)
			}
			journal := m.Journal(u)
			for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
				if !strings.Contains(journal, strings.TrimSpace(l)) {
					return fmt.Errorf("journalctl -u %s lacks the container's line %q:\n%s", u, l, journal)
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

func brokenFails(t *testing.T, m *harness.Machine, s *harness.Stack) {
	list := m.MustRun("systemctl", "list-units", "--all", "--plain", "--no-legend", "broken*")
	var found []string
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasSuffix(f[0], ".service") {
			found = append(found, f[0])
		}
	}
	if len(found) == 0 {
		t.Fatalf("no unit for the broken service file; units named broken*:\n%s", list)
	}
	for _, u := range found {
		if got := m.Property(u, "ActiveState"); got != "failed" {
			t.Errorf("%s is %s, want failed", u, got)
		}
		status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "30", u)
		if !strings.Contains(status+m.Journal(u), "portz") {
			t.Errorf("neither status nor journal of %s names the bad key portz:\n%s", u, status)
		}
	}
	// The rest of its stage is healthy, so no gate may have had to give up waiting.
	for _, st := range s.Stages {
		if j := m.Journal(st.Gate); strings.Contains(j, "timed out") {
			t.Errorf("%s timed out although every valid service of its stage is healthy:\n%s", st.Gate, j)
		}
	}
}

func stopRemoves(t *testing.T, m *harness.Machine, s *harness.Stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "stop", "bootstage.target"); err != nil {
		t.Fatalf("stop bootstage.target: %v\n%s", err, out)
	}
	// systemctl returns when bootstage.target's own stop job is done; the
	// stops it propagates to stages and components may still be running.
	err := harness.Eventually(30*time.Second, func() error {
		if ps := strings.TrimSpace(m.MustRun("podman", "ps", "-a", "--format", "{{.Names}}")); ps != "" {
			return fmt.Errorf("containers left after stop: %s", strings.Join(strings.Fields(ps), " "))
		}
		for _, u := range s.Units() {
			if got := m.Property(u, "ActiveState"); got != "inactive" {
				return fmt.Errorf("%s is %s after stop, want inactive (Result=%s)", u, got, m.Property(u, "Result"))
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// restartPolicy kills the container of a component whose policy is
// "always" (as a crash would) and expects systemd to start it again.
func restartPolicy(t *testing.T, m *harness.Machine, s *harness.Stack) {
	var c *harness.StackComponent
	for _, st := range s.Stages {
		for i := range st.Components {
			if st.Components[i].Restart == "always" && st.Components[i].Runtime == "podman" && c == nil {
				c = &st.Components[i]
			}
		}
	}
	if c == nil {
		t.Skip("the example has no podman component with restart = \"always\"")
	}
	before := m.Property(c.Unit, "NRestarts")
	m.MustRun("podman", "kill", strings.TrimSuffix(c.Unit, ".service"))
	err := harness.Eventually(30*time.Second, func() error {
		if n := m.Property(c.Unit, "NRestarts"); n == before {
			return fmt.Errorf("%s not restarted yet (NRestarts=%s)", c.Unit, n)
		}
		if st := m.Property(c.Unit, "ActiveState"); st != "active" {
			return fmt.Errorf("%s is %s after its restart", c.Unit, st)
		}
		for _, a := range c.Ports {
			if err := m.Dial(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("%v\n%s", err, m.Journal(c.Unit))
	}
}
