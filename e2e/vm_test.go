package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// The units and paths of contrib/examples/vm-stage.
const (
	vmUnit        = "guest.service"
	vmURL         = "http://127.0.0.1:28080/"
	vmGuestDir    = "/var/lib/bootstage/guests/tiny" // kernel and initrd of guest.toml
	containerGate = "bootstage-containers-gate.service"
	guestsTarget  = "bootstage-guests.target"
)

// stubbornService is a second VM whose guest ignores the power button:
// with acpi=off its kernel never sees the ACPI event, so `bootstage vm
// stop` must end it with quit once stop_timeout has passed. The timeout
// is short to keep the test short.
const stubbornService = `# e2e: a guest that ignores powerdown
stage = "guests"

[[components]]
runtime = "qemu"
kernel = "/var/lib/bootstage/guests/tiny/vmlinuz"
initrd = "/var/lib/bootstage/guests/tiny/initrd.gz"
append = "console=ttyS0 quiet acpi=off"
accel = "tcg"
memory_mb = 128
ports = ["127.0.0.1:28081:80"]
stop_timeout = "5s"
`

// TestVMStage is issue 4's end-to-end test: contrib/examples/vm-stage (a
// container stage, then a stage with a TCG guest) under a real systemd.
func TestVMStage(t *testing.T) {
	m := harness.Boot(t, harness.Options{})
	guest := virtioGuest(t)
	tree := harness.Tree(t, "vm-stage")
	m.MustInstall(tree)
	installGuest(t, m, guest)
	m.DaemonReload()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "start", "bootstage.target"); err != nil {
		t.Fatalf("start bootstage.target: %v\n%s", err, out)
	}

	t.Run("VM starts after the containers gate", func(t *testing.T) { vmAfterGate(t, m) })
	t.Run("guest answers on its forwarded port", func(t *testing.T) { vmAnswers(t, m) })
	t.Run("guest console in the journal", func(t *testing.T) { vmConsole(t, m) })
	t.Run("guests gate opens", func(t *testing.T) { vmGateOpen(t, m) })
	t.Run("stop powers down through QMP", func(t *testing.T) { vmPowerdown(t, m) })
	t.Run("guest ignoring powerdown is quit", func(t *testing.T) { vmQuit(t, m) })
}

// vmAfterGate checks systemd's record: the VM unit began starting only
// after the containers stage was ready, i.e. after its gate sent READY=1
// and its target became active.
func vmAfterGate(t *testing.T, m *harness.Machine) {
	if n := m.Property(vmUnit, "NRestarts"); n != "0" {
		t.Fatalf("%s restarted %s times, so its timestamps are not the first start's; journal:\n%s", vmUnit, n, m.Journal(vmUnit))
	}
	gateReady := monotonic(t, m, containerGate, "ActiveEnterTimestampMonotonic")
	stageReady := monotonic(t, m, "bootstage-containers.target", "ActiveEnterTimestampMonotonic")
	began := monotonic(t, m, vmUnit, "InactiveExitTimestampMonotonic")
	active := monotonic(t, m, vmUnit, "ActiveEnterTimestampMonotonic")
	if began < gateReady || began < stageReady {
		t.Errorf("%s began starting at %dµs, before the containers stage was ready (gate %dµs, target %dµs)",
			vmUnit, began, gateReady, stageReady)
	}
	if active <= gateReady {
		t.Errorf("%s active at %dµs, not after %s ready at %dµs", vmUnit, active, containerGate, gateReady)
	}
}

func vmAnswers(t *testing.T, m *harness.Machine) {
	err := harness.Eventually(30*time.Second, func() error {
		out, err := m.Run("curl", "-fsS", "--max-time", "5", vmURL)
		if err != nil {
			return fmt.Errorf("curl %s: %v\n%s", vmURL, err, out)
		}
		if !strings.Contains(out, "hello from qemu guest") {
			return fmt.Errorf("curl %s: %q is not the guest's page", vmURL, out)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func vmConsole(t *testing.T, m *harness.Machine) {
	err := harness.Eventually(10*time.Second, func() error {
		if j := m.Journal(vmUnit); !strings.Contains(j, "GUEST-READY") {
			return fmt.Errorf("journalctl -u %s lacks the guest's GUEST-READY console line:\n%s", vmUnit, j)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func vmGateOpen(t *testing.T, m *harness.Machine) {
	for _, u := range []string{"bootstage-guests-gate.service", guestsTarget} {
		if got := m.Property(u, "ActiveState"); got != "active" {
			st, _ := m.Run("systemctl", "status", "--no-pager", "-n", "20", u)
			t.Errorf("%s is %s, want active:\n%s", u, got, st)
		}
	}
	if j := m.Journal("bootstage-guests-gate.service"); strings.Contains(j, "timed out") {
		t.Errorf("the guests gate timed out although the guest is healthy:\n%s", j)
	}
	if v, g := monotonic(t, m, vmUnit, "ActiveEnterTimestampMonotonic"),
		monotonic(t, m, guestsTarget, "ActiveEnterTimestampMonotonic"); g <= v {
		t.Errorf("%s active at %dµs, not after %s at %dµs", guestsTarget, g, vmUnit, v)
	} else {
		t.Logf("the guests stage opened %s after %s started (TCG boot and first probe)", time.Duration(g-v)*time.Microsecond, vmUnit)
	}
}

// vmPowerdown stops the VM unit: ExecStop's `bootstage vm stop` presses
// the ACPI power button, the guest's acpid powers off, qemu exits 0.
func vmPowerdown(t *testing.T, m *harness.Machine) {
	took, limit := stopUnit(t, m, vmUnit)
	j := m.Journal(vmUnit)
	for _, want := range []string{"GUEST-POWERDOWN", "powered down after"} {
		if !strings.Contains(j, want) {
			t.Errorf("journalctl -u %s lacks %q:\n%s", vmUnit, want, j)
		}
	}
	if strings.Contains(j, "QEMU quit") {
		t.Errorf("%s needed quit, the guest should have powered down:\n%s", vmUnit, j)
	}
	if took >= limit/2 {
		t.Errorf("%s took %s to stop, not well under its TimeoutStopSec=%s", vmUnit, took, limit)
	}
	t.Logf("%s stopped in %s (TimeoutStopSec=%s)", vmUnit, took, limit)
}

// vmQuit adds a second VM whose guest ignores the power button, starts
// it, waits for its console to say it is up, and stops it.
func vmQuit(t *testing.T, m *harness.Machine) {
	const unit = "stubborn.service"
	p := filepath.Join(m.Root(), harness.ConfigDir, "services", "stubborn.toml")
	if err := os.WriteFile(p, []byte(stubbornService), 0o644); err != nil {
		t.Fatal(err)
	}
	m.DaemonReload()
	if got := m.MustRun("systemctl", "cat", unit); !strings.Contains(got, "acpi=off") || !strings.Contains(got, "--timeout 5s") {
		t.Fatalf("the generated %s is not the acpi=off guest with a 5s stop timeout:\n%s", unit, got)
	}
	m.MustRun("systemctl", "start", unit)
	err := harness.Eventually(90*time.Second, func() error {
		if j := m.Journal(unit); !strings.Contains(j, "GUEST-READY") {
			return fmt.Errorf("%s (%s) never printed GUEST-READY:\n%s", unit, m.Property(unit, "ActiveState"), j)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	took, limit := stopUnit(t, m, unit)
	j := m.Journal(unit)
	if !strings.Contains(j, "did not power down within 5s; QEMU quit") {
		t.Errorf("journalctl -u %s lacks the quit:\n%s", unit, j)
	}
	if strings.Contains(j, "GUEST-POWERDOWN") {
		t.Errorf("the acpi=off guest saw the power button, so quit was not tested:\n%s", j)
	}
	// systemd's record of the stop shows that the stop command waited out
	// its own timeout before quitting, and that systemd never had to act.
	if took < 5*time.Second {
		t.Errorf("%s stopped after %s, before the 5s stop timeout: it did not wait for the guest", unit, took)
	}
	t.Logf("%s stopped in %s (stop_timeout 5s, TimeoutStopSec=%s)", unit, took, limit)
}

// stopUnit runs `systemctl stop unit`, requires it to end inactive with
// Result=success, and returns how long the stop took by systemd's clock
// (from leaving active to entering inactive) and its TimeoutStopSec=.
func stopUnit(t *testing.T, m *harness.Machine, unit string) (took, limit time.Duration) {
	t.Helper()
	limit, err := parseTimespan(m.Property(unit, "TimeoutStopUSec"))
	if err != nil {
		t.Fatalf("%s TimeoutStopUSec: %v", unit, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit+30*time.Second)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "stop", unit); err != nil {
		t.Fatalf("systemctl stop %s: %v\n%s", unit, err, out)
	}
	if st, res := m.Property(unit, "ActiveState"), m.Property(unit, "Result"); st != "inactive" || res != "success" {
		status, _ := m.Run("systemctl", "status", "--no-pager", "-n", "30", unit)
		t.Fatalf("%s is %s with Result=%s after stop, want inactive and success:\n%s", unit, st, res, status)
	}
	began := monotonic(t, m, unit, "ActiveExitTimestampMonotonic")
	ended := monotonic(t, m, unit, "InactiveEnterTimestampMonotonic")
	if ended < began {
		t.Fatalf("%s entered inactive at %dµs, before it left active at %dµs", unit, ended, began)
	}
	return time.Duration(ended-began) * time.Microsecond, limit
}

// parseTimespan reads what `systemctl show -P` prints for a time span,
// e.g. "45s" or "1min 30s".
func parseTimespan(s string) (time.Duration, error) {
	g := strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "min", "m")
	d, err := time.ParseDuration(g)
	if err != nil {
		return 0, fmt.Errorf("parse time span %q: %w", s, err)
	}
	return d, nil
}

// installGuest puts the guest's kernel and initrd where guest.toml boots
// them from, readable by the VM's dynamic user.
func installGuest(t *testing.T, m *harness.Machine, src string) {
	t.Helper()
	dst := filepath.Join(m.Root(), vmGuestDir)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/var/lib/bootstage", "/var/lib/bootstage/guests", vmGuestDir} {
		if err := os.Chmod(filepath.Join(m.Root(), d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"vmlinuz", "initrd.gz"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatalf("read guest fixture: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatalf("install guest %s: %v", f, err)
		}
	}
}

// virtioGuest returns a directory with the guest of
// vm/testdata/mkguest.sh (virtio-net, acpid), built once into
// the harness cache per version of that script. The harness's own guest
// fixture drives e1000, not the virtio NIC the generated units give it.
func virtioGuest(t *testing.T) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "vm/testdata/mkguest.sh")
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatalf("read guest recipe: %v", err)
	}
	sum := sha256.Sum256(b)
	dir := filepath.Join(harness.CacheDir(), "vm-guest-"+hex.EncodeToString(sum[:])[:16])
	// Concurrent test processes build it once: the lock serializes them,
	// and the rename publishes a complete guest or none.
	lock, err := os.OpenFile(filepath.Join(harness.CacheDir(), "vm-guest.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("open guest cache lock: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock guest cache: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "initrd.gz")); err == nil {
		return dir
	}
	tmp := dir + ".new"
	os.RemoveAll(tmp)
	t.Logf("building the virtio guest into %s with %s", dir, script)
	if out, err := exec.Command("sh", script, tmp).CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		t.Fatalf("build guest: %s: %v\n%s", script, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatalf("publish guest: %v", err)
	}
	return dir
}
