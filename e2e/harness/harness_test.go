package harness_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// A hand-written podman unit in the shape bootstage generates: it proves
// the machine runs containers under systemd, with their output in the
// unit's journal and their ports reachable, before any bootstage code.
const webUnit = `[Unit]
Description=e2e harness self-test
[Service]
Type=notify
NotifyAccess=all
Delegate=yes
KillMode=mixed
SuccessExitStatus=143
Environment=PODMAN_SYSTEMD_UNIT=%n
ExecStartPre=/bin/rm -f %t/%N.cid
ExecStart=/usr/bin/podman run --cidfile=%t/%N.cid --cgroups=split --sdnotify=conmon --replace --rm -d \
  --log-driver=journald -p 127.0.0.1:8080:80 --name %N ` + harness.Image + ` \
  sh -c 'echo harness-web-says-hello; trap "exit 0" TERM; httpd -f -v -p 80 -h /www & wait'
ExecStop=/usr/bin/podman stop --ignore -t 10 --cidfile=%t/%N.cid
ExecStopPost=/usr/bin/podman rm -f --ignore -t 10 --cidfile=%t/%N.cid
`

func TestMachineRunsPodmanUnit(t *testing.T) {
	t.Parallel()
	m := harness.Boot(t, harness.Options{})
	tree := t.TempDir()
	os.Chmod(tree, 0o755)
	unit := filepath.Join(tree, "etc/systemd/system/harness-web.service")
	if err := os.MkdirAll(filepath.Dir(unit), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unit, []byte(webUnit), 0o644); err != nil {
		t.Fatal(err)
	}
	m.MustInstall(tree)
	if mode := m.MustShell("stat -c %a /"); strings.TrimSpace(mode) != "755" {
		t.Errorf("Install changed the mode of /: %s", mode)
	}
	m.DaemonReload()
	m.MustRun("systemctl", "start", "--no-block", "harness-web.service")
	m.WaitProperty("harness-web.service", "ActiveState", "active", time.Minute)

	if got := m.MustRun("curl", "-fsS", "-m", "5", "http://127.0.0.1:8080/"); !strings.Contains(got, "hello from podman container") {
		t.Errorf("curl through the published port: %q", got)
	}
	err := harness.Eventually(10*time.Second, func() error {
		if j := m.Journal("harness-web.service"); !strings.Contains(j, "harness-web-says-hello") {
			return fmt.Errorf("journalctl -u lacks the container's output:\n%s", j)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}

	m.MustRun("systemctl", "stop", "harness-web.service")
	if got := m.Property("harness-web.service", "Result"); got != "success" {
		t.Errorf("Result after stop = %q", got)
	}
	if ps := m.MustRun("podman", "ps", "-aq"); strings.TrimSpace(ps) != "" {
		t.Errorf("containers left after stop: %q", ps)
	}
}

// Each machine starts from the cached root: what one wrote is gone in the next.
func TestMachinesAreThrowaway(t *testing.T) {
	t.Parallel()
	for i := range 2 {
		m := harness.Boot(t, harness.Options{Hostname: fmt.Sprintf("throwaway%d", i), NoImage: true})
		if out, err := m.Run("test", "-e", "/etc/left-behind"); err == nil {
			t.Fatalf("machine %d sees a file of the machine before it: %s", i, out)
		}
		m.MustRun("touch", "/etc/left-behind")
		if got := strings.TrimSpace(m.MustRun("hostname")); got != fmt.Sprintf("throwaway%d", i) {
			t.Errorf("hostname = %q", got)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// The qemu fixture boots under TCG and serves HTTP through a user-net hostfwd.
func TestGuestFixture(t *testing.T) {
	t.Parallel()
	m := harness.Boot(t, harness.Options{NoImage: true})
	m.MustRun("systemd-run", "--unit=guest", "--", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
		"-m", "256", "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
		"-kernel", harness.GuestKernel, "-initrd", harness.GuestInitrd, "-append", "console=ttyS0 quiet",
		"-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:18080-:80", "-device", "e1000,netdev=n0")
	err := harness.Eventually(90*time.Second, func() error {
		out, err := m.Run("curl", "-fsS", "-m", "2", "http://127.0.0.1:18080/")
		if err == nil && !strings.Contains(out, "hello from qemu guest") {
			err = fmt.Errorf("unexpected answer %q", out)
		}
		return err
	})
	if err != nil {
		t.Fatalf("guest never answered: %v\n%s", err, m.Journal("guest.service"))
	}
	if j := m.Journal("guest.service"); !strings.Contains(j, "GUEST-READY") {
		t.Errorf("guest console not in the journal:\n%s", j)
	}
}
