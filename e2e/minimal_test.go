package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// TestMinimal runs contrib/examples/minimal: one container, no
// stages.toml, so one implicit stage. It is also the harness's doc example.
func TestMinimal(t *testing.T) {
	m := harness.Boot(t, harness.Options{})
	tree := harness.Tree(t, "minimal") // binaries + contrib/examples/minimal
	m.MustInstall(tree)
	m.DaemonReload()
	m.MustRun("systemctl", "start", "bootstage.target")
	if got := m.MustRun("curl", "-fsS", "http://127.0.0.1:8080/"); !strings.Contains(got, "hello") {
		t.Errorf("curl: %q", got)
	}
	err := harness.Eventually(10*time.Second, func() error { // journald writes a moment later
		if j := m.Journal("hello.service"); !strings.Contains(j, "response:200") { // httpd -v
			return fmt.Errorf("journal lacks the container's output:\n%s", j)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	for _, u := range []string{"bootstage-default.target", "bootstage-default-gate.service", "hello.service"} {
		if got := m.Property(u, "ActiveState"); got != "active" {
			t.Errorf("%s is %s, want active", u, got)
		}
	}
}
