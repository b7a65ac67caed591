// Package ci holds the packaging test that needs a running systemd: the
// Debian package installed with dpkg into the e2e machine (e2e/harness).
// contrib/ci/test-packaging.sh builds the .deb and runs it:
//
//	BOOTSTAGE_E2E=1 BOOTSTAGE_DEB=/tmp/bootstage-deb/src/bootstage_..._amd64.deb go test ./contrib/ci
package ci

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// TestDebInstallRunRemove installs the package as an operator would, runs
// the minimal example from the installed files, upgrades in place, then
// removes the package and checks systemd forgot the generated units.
func TestDebInstallRunRemove(t *testing.T) {
	deb := os.Getenv("BOOTSTAGE_DEB")
	if deb == "" {
		t.Skip("set BOOTSTAGE_DEB to the .deb to test (contrib/ci/test-packaging.sh does)")
	}
	m := harness.Boot(t, harness.Options{})
	copyInto(t, m, deb, "/tmp/bootstage.deb")
	// The e2e root is built without docs and man pages (dpkg path-exclude);
	// a node keeps them, and this test reads them.
	m.MustShell(`sed -i '\#^path-exclude=/usr/share/\(doc\|man\)/#d' /etc/dpkg/dpkg.cfg.d/*`)

	start := time.Now()
	t.Log(m.MustRun("dpkg", "-i", "/tmp/bootstage.deb"))
	t.Logf("dpkg -i took %v", time.Since(start).Round(time.Millisecond))
	for _, f := range []string{
		"/usr/bin/bootstage", "/lib/systemd/system-generators/bootstage-generator",
		"/usr/libexec/bootstage/bootstage-healthd", "/etc/bootstage/services",
		"/var/lib/bootstage/images", // tmpfiles.d, applied by the postinst
	} {
		m.MustRun("test", "-e", f)
	}
	checkManPages(t, m)

	m.MustShell("cp -R /usr/share/doc/bootstage/examples/minimal/. /etc/bootstage/")
	m.MustRun("bootstage", "validate")
	m.DaemonReload()
	if got := m.Property("hello.service", "FragmentPath"); got != "/run/systemd/generator/hello.service" {
		t.Fatalf("hello.service comes from %q, want the generator's output", got)
	}
	start = time.Now()
	m.MustRun("systemctl", "start", "bootstage.target")
	t.Logf("systemctl start bootstage.target took %v", time.Since(start).Round(time.Millisecond))
	waitFor(t, "the example to answer", func() error {
		out, err := m.Run("curl", "-fsS", "http://127.0.0.1:8080/")
		if err == nil && !strings.Contains(out, "hello") {
			err = fmt.Errorf("unexpected page %q", out)
		}
		return err
	})

	// An upgrade (here: the same version again) reloads, and starts or
	// stops nothing: the container keeps its process.
	pid := m.Property("hello.service", "MainPID")
	start = time.Now()
	m.MustRun("dpkg", "-i", "/tmp/bootstage.deb")
	t.Logf("upgrade took %v", time.Since(start).Round(time.Millisecond))
	if got := m.Property("hello.service", "MainPID"); got != pid {
		t.Errorf("upgrade restarted hello.service: MainPID %s, then %s", pid, got)
	}

	start = time.Now()
	t.Log(m.MustRun("dpkg", "-r", "bootstage"))
	t.Logf("dpkg -r took %v", time.Since(start).Round(time.Millisecond))
	for _, f := range []string{"/run/systemd/generator/hello.service", "/run/systemd/generator/bootstage.target",
		"/usr/bin/bootstage", "/lib/systemd/system-generators/bootstage-generator"} {
		if _, err := m.Run("test", "-e", f); err == nil {
			t.Errorf("%s is still there after dpkg -r", f)
		}
	}
	for _, u := range []string{"hello.service", "bootstage.target", "bootstage-default.target", "bootstage-default-gate.service"} {
		if got := m.Property(u, "LoadState"); got != "not-found" {
			t.Errorf("%s: LoadState=%s after dpkg -r, want not-found", u, got)
		}
		if got := m.Property(u, "ActiveState"); got != "inactive" {
			t.Errorf("%s: ActiveState=%s after dpkg -r, want inactive", u, got)
		}
	}
	if out := m.MustRun("podman", "ps", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("containers still running after dpkg -r: %s", out)
	}
	if _, err := m.Run("test", "-f", "/etc/bootstage/services/hello.toml"); err != nil {
		t.Errorf("dpkg -r removed the operator's configuration")
	}
}

// checkManPages reads every page with man inside the machine, as an
// operator would after installing the package (the e2e root has man-db).
func checkManPages(t *testing.T, m *harness.Machine) {
	t.Helper()
	pages := map[string]string{
		"1/bootstage":           "see, change and drive",
		"5/bootstage.toml":      "stages.toml, services",
		"8/bootstage-generator": "systemd generator",
		"8/bootstage-healthd":   "health gate",
	}
	for page, want := range pages {
		sect, name := filepath.Split(page)
		sect = strings.TrimSuffix(sect, "/")
		// MANWIDTH: no line breaks inside the words looked for
		out, err := m.Run("env", "MANWIDTH=200", "man", "-P", "cat", sect, name)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("man %s %s: %v\n%s", sect, name, err, out)
		}
	}
}

func copyInto(t *testing.T, m *harness.Machine, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.Root()+dst, b, 0o644); err != nil {
		t.Fatalf("copy %s into the machine: %v", src, err)
	}
}

func waitFor(t *testing.T, what string, f func() error) {
	t.Helper()
	if err := harness.Eventually(60*time.Second, f); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
