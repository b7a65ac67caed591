package e2e_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// hijacker is a service file that would take the name of a unit of the
// system: a container standing in for it.
const hijacker = `# e2e: a service file must never replace a unit of the system
[[components]]
image = "localhost/bootstage-busybox:latest"
cmd = ["sleep", "infinity"]
health.check = "none"
`

// localUnit is a unit of the machine's administrator, which a service file
// of the same name would shadow only because the machine has it.
const localUnit = "[Unit]\nDescription=the administrator's own\n[Service]\nExecStart=/bin/true\n"

// TestShadow is issue 14's end-to-end test of point 1: services/dbus.toml
// and services/systemd-journald.toml beside contrib/examples/minimal, and
// services/local.toml beside the administrator's
// /etc/systemd/system/local.service. After daemon-reload the system's
// D-Bus and journald are still the system's and still answer, local.service
// is still the administrator's, the generator wrote nothing for those
// files, `bootstage validate` names them, and the rest of the stack starts.
func TestShadow(t *testing.T) {
	m := harness.Boot(t, harness.Options{Hostname: "bootstage-shadow"})
	if err := os.WriteFile(m.Root()+"/etc/systemd/system/local.service", []byte(localUnit), 0o644); err != nil {
		t.Fatal(err)
	}
	m.DaemonReload()
	system := map[string]string{} // unit -> FragmentPath before bootstage
	for _, u := range []string{"dbus.service", "systemd-journald.service", "local.service"} {
		system[u] = m.Property(u, "FragmentPath")
		if system[u] == "" || strings.HasPrefix(system[u], "/run/systemd/generator") {
			t.Fatalf("%s: FragmentPath %q before bootstage is installed", u, system[u])
		}
	}
	tree := harness.Tree(t, "minimal")
	for _, name := range []string{"dbus", "systemd-journald", "local"} {
		if err := os.WriteFile(filepath.Join(tree, harness.ConfigDir, "services", name+".toml"), []byte(hijacker), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m.MustInstall(tree)
	m.DaemonReload()

	for u, fragment := range system {
		if got := m.Property(u, "FragmentPath"); got != fragment {
			t.Errorf("%s: FragmentPath %q after daemon-reload, want the system's %q", u, got, fragment)
		}
		if out, err := m.Run("test", "!", "-e", "/run/systemd/generator/"+u); err != nil {
			t.Errorf("/run/systemd/generator/%s was written: %v %s", u, err, out)
		}
	}
	for _, u := range []string{"dbus.service", "systemd-journald.service"} {
		if got := m.Property(u, "ActiveState"); got != "active" {
			t.Errorf("%s is %s, want active", u, got)
		}
	}
	// D-Bus answers: the bus daemon itself, asked over the system bus.
	if out, err := m.Run("busctl", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId"); err != nil || !strings.HasPrefix(out, "s ") {
		t.Errorf("busctl call GetId: %v\n%s", err, out)
	}
	// journald still takes lines.
	m.MustRun("systemd-cat", "-t", "shadow-e2e", "echo", "journald still listens")
	if err := harness.Eventually(10*time.Second, func() error {
		out, _ := m.Run("journalctl", "-b", "--no-pager", "-o", "cat", "-t", "shadow-e2e")
		if !strings.Contains(out, "journald still listens") {
			return errors.New("journald did not record a line logged after daemon-reload")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}

	// Paths below the working directory are shown relative to it.
	out, code := bootstage(t, m, "validate")
	for _, want := range []string{
		"etc/bootstage/services/dbus.toml: unit dbus.service would shadow systemd's dbus.service, a special unit of systemd.special(7) (rename the file: bootstage never replaces or hides a unit of the system)",
		"etc/bootstage/services/systemd-journald.toml: unit systemd-journald.service would shadow systemd's own systemd-journald.service: systemd-* is systemd's namespace (rename the file: bootstage never replaces or hides a unit of the system)",
		"etc/bootstage/services/local.toml: unit local.service would shadow the system's /etc/systemd/system/local.service (rename the file: bootstage never replaces or hides a unit of the system)",
	} {
		if code != 1 || !strings.Contains(out, want+"\n") {
			t.Errorf("bootstage validate: exit %d, want 1 and the line\n%s\nin:\n%s", code, want, out)
		}
	}

	m.MustRun("systemctl", "start", "bootstage.target")
	for _, u := range []string{"bootstage.target", "bootstage-default.target", "bootstage-default-gate.service", "hello.service"} {
		if got := m.Property(u, "ActiveState"); got != "active" {
			t.Errorf("%s is %s, want active", u, got)
		}
	}
	if got := m.MustRun("curl", "-fsS", "http://127.0.0.1:8080/"); !strings.Contains(got, "hello") {
		t.Errorf("curl: %q", got)
	}
	if got := m.Property("dbus.service", "FragmentPath"); got != system["dbus.service"] {
		t.Errorf("dbus.service: FragmentPath %q after the stack started, want %q", got, system["dbus.service"])
	}
}
