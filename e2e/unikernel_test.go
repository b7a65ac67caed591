package e2e_test

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/e2e/harness"
)

// The units, paths and answers of contrib/examples/unikernel.
const (
	nanosUnit      = "echo.service"
	nanosURL       = "http://127.0.0.1:28090/"
	nanosGate      = "bootstage-unikernels-gate.service"
	nanosTarget    = "bootstage-unikernels.target"
	nanosProgram   = "/var/lib/bootstage/elf/unikernel-echo" // program = of echo.toml
	nanosGuestNote = "/srv/echo/data/guest-was-here.txt"     // what the guest writes into its 9p volume
)

// nanosAnswer is what the guest of echo.toml answers: the arguments after
// its flags and its whole environment, as cmd and env say, then what its
// read-only share holds and that it cannot write there.
const nanosAnswer = `hello from a Nanos unikernel
arg 0: "two words"
arg 1: "a \"quoted\" one"
env GREETING: "hello from the manifest"
env MODE: "demo"
motd: "the motd, read through a read-only 9p share"
read-only share: read-only file system
`

// TestUnikernelStage is issue 17's end-to-end test: contrib/examples/
// unikernel (a container stage, then a stage with a Nanos guest that
// bootstage builds with Nanos's own mkfs) under a real systemd, with the
// Nanos files of shared/nanos, under TCG.
func TestUnikernelStage(t *testing.T) {
	m := harness.Boot(t, harness.Options{Hostname: "bootstage-e2e-nanos"})
	tree := harness.Tree(t, "unikernel")
	if err := harness.InstallNanos(tree); err != nil {
		t.Fatal(err)
	}
	m.MustInstall(tree)
	m.DaemonReload()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := m.RunContext(ctx, "systemctl", "start", "bootstage.target"); err != nil {
		t.Fatalf("start bootstage.target: %v\n%s", err, out)
	}

	t.Run("unikernel starts after the containers gate, and its gate opens", func(t *testing.T) { nanosAfterGate(t, m) })
	t.Run("guest answers with its arguments and environment", func(t *testing.T) { nanosAnswers(t, m, nanosURL, nanosAnswer) })
	t.Run("guest's write to its 9p volume is on the host", func(t *testing.T) { nanosVolume(t, m) })
	t.Run("guest console in the journal", func(t *testing.T) { nanosConsole(t, m) })
	t.Run("vm status sees it run", func(t *testing.T) {
		if out := m.MustRun("bootstage", "vm", "status", "echo"); !strings.Contains(out, "echo: running (QMP /run/bootstage/vm/echo/qmp.sock)") {
			t.Errorf("bootstage vm status echo:\n%s", out)
		}
	})
	t.Run("plan sees the image up to date", func(t *testing.T) {
		if out, err := m.Run("bootstage", "plan"); err != nil || strings.Contains(out, "image") {
			t.Errorf("bootstage plan: %v\n%s", err, out)
		}
	})
	t.Run("stop powers down through QMP", func(t *testing.T) { nanosPowerdown(t, m) })
	t.Run("a second start reuses the image", func(t *testing.T) { nanosReuse(t, m) })
	t.Run("killing qemu restarts it", func(t *testing.T) { nanosKilled(t, m) })
	t.Run("plan says a changed manifest builds a new image", func(t *testing.T) { nanosPlan(t, m) })
	t.Run("a unikernel from an OCI image's entrypoint", func(t *testing.T) { nanosFromImage(t, m, tree) })
}

// nanosAfterGate checks systemd's record of the first start: the unikernel
// began only once the containers stage was ready, and its own gate opened
// after it. It logs the stage's boot time, from the unit's start (the
// image build included) to its gate's READY=1.
func nanosAfterGate(t *testing.T, m *harness.Machine) {
	if n := m.Property(nanosUnit, "NRestarts"); n != "0" {
		t.Fatalf("%s restarted %s times; journal:\n%s", nanosUnit, n, m.Journal(nanosUnit))
	}
	containers := monotonic(t, m, "bootstage-containers.target", "ActiveEnterTimestampMonotonic")
	began := monotonic(t, m, nanosUnit, "InactiveExitTimestampMonotonic")
	qemu := monotonic(t, m, nanosUnit, "ExecMainStartTimestampMonotonic")
	gate := monotonic(t, m, nanosGate, "ActiveEnterTimestampMonotonic")
	target := monotonic(t, m, nanosTarget, "ActiveEnterTimestampMonotonic")
	if began < containers {
		t.Errorf("%s began at %dµs, before the containers stage was ready at %dµs", nanosUnit, began, containers)
	}
	if gate <= qemu || target < gate {
		t.Errorf("gate ready at %dµs, target at %dµs, qemu started at %dµs", gate, target, qemu)
	}
	us := func(d uint64) time.Duration { return time.Duration(d) * time.Microsecond }
	t.Logf("unikernel stage: %s from %s's start to its gate open (image build %s, qemu start to gate open %s)",
		us(gate-began), nanosUnit, us(qemu-began), us(gate-qemu))
	if j := m.Journal(nanosUnit); !strings.Contains(j, "Nanos image /var/lib/bootstage/vm/echo/nanos-") || !strings.Contains(j, " built (inputs ") {
		t.Errorf("the first start did not build the image:\n%s", j)
	}
}

// nanosAnswers asks the guest through its forwarded port.
func nanosAnswers(t *testing.T, m *harness.Machine, url, want string) {
	t.Helper()
	var got string
	err := harness.Eventually(30*time.Second, func() error {
		out, err := m.Run("curl", "-fsS", "--max-time", "2", url)
		if err != nil {
			return fmt.Errorf("curl %s: %v\n%s", url, err, out)
		}
		got = out
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("curl %s:\n%s\nwant:\n%s", url, got, want)
	}
}

func nanosVolume(t *testing.T, m *harness.Machine) {
	b, err := os.ReadFile(filepath.Join(m.Root(), nanosGuestNote))
	if err != nil {
		t.Fatalf("the guest's note is not on the host: %v", err)
	}
	if want := "written by the guest, pid 2, args [\"two words\" \"a \\\"quoted\\\" one\"]\n"; string(b) != want {
		t.Errorf("%s holds %q, want %q", nanosGuestNote, b, want)
	}
}

func nanosConsole(t *testing.T, m *harness.Machine) {
	err := harness.Eventually(10*time.Second, func() error {
		j := m.Journal(nanosUnit)
		for _, want := range []string{"en1: assigned 10.0.2.15", "unikernel-echo: wrote /data/guest-was-here.txt",
			"unikernel-echo: listening on :8080 with 2 argument(s)"} {
			if !strings.Contains(j, want) {
				return fmt.Errorf("journalctl -u %s lacks the console's %q:\n%s", nanosUnit, want, j)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// nanosPowerdown stops the unit: ExecStop's `bootstage vm stop` presses
// the power button, Nanos sends the program SIGTERM, the program exits 0
// and Nanos leaves qemu through the debug exit (status 1, a success).
func nanosPowerdown(t *testing.T, m *harness.Machine) {
	took, limit := stopUnit(t, m, nanosUnit)
	j := m.Journal(nanosUnit)
	for _, want := range []string{"unikernel-echo: got terminated after", "/run/bootstage/vm/echo/qmp.sock powered down after"} {
		if !strings.Contains(j, want) {
			t.Errorf("journalctl -u %s lacks %q:\n%s", nanosUnit, want, j)
		}
	}
	if strings.Contains(j, "QEMU quit") {
		t.Errorf("%s needed quit, the guest should have powered down:\n%s", nanosUnit, j)
	}
	if took >= 2*time.Second {
		t.Errorf("%s took %s to stop, want under 2s", nanosUnit, took)
	}
	t.Logf("%s stopped in %s (TimeoutStopSec=%s)", nanosUnit, took, limit)
}

// nanosReuse starts the unit again: its inputs are unchanged, so prepare
// reuses the image the first start built.
func nanosReuse(t *testing.T, m *harness.Machine) {
	image := m.MustRun("readlink", "/var/lib/bootstage/vm/echo/nanos.img")
	m.MustRun("systemctl", "start", nanosUnit)
	nanosAnswers(t, m, nanosURL, nanosAnswer)
	j := m.Journal(nanosUnit)
	if n := strings.Count(j, " built (inputs "); n != 1 {
		t.Errorf("the image was built %d times, want once:\n%s", n, j)
	}
	if !strings.Contains(j, " reused (inputs ") {
		t.Errorf("the second start did not say it reused the image:\n%s", j)
	}
	if again := m.MustRun("readlink", "/var/lib/bootstage/vm/echo/nanos.img"); again != image {
		t.Errorf("the image link moved from %s to %s", image, again)
	}
}

// nanosKilled kills qemu as a crash would: systemd restarts the unit
// (restart on-failure, 5s apart), which reuses its image and answers.
func nanosKilled(t *testing.T, m *harness.Machine) {
	pid := m.Property(nanosUnit, "MainPID")
	before := m.Property(nanosUnit, "NRestarts")
	m.MustShell("kill -KILL " + pid)
	m.WaitProperty(nanosUnit, "NRestarts", incr(t, before), 30*time.Second)
	m.WaitProperty(nanosUnit, "ActiveState", "active", 30*time.Second)
	if now := m.Property(nanosUnit, "MainPID"); now == pid {
		t.Fatalf("MainPID is still %s after the kill", pid)
	}
	nanosAnswers(t, m, nanosURL, nanosAnswer)
	if j := m.Journal(nanosUnit); strings.Count(j, " reused (inputs ") < 2 {
		t.Errorf("the restart did not reuse the image:\n%s", j)
	}
}

func incr(t *testing.T, n string) string {
	var i int
	if _, err := fmt.Sscan(n, &i); err != nil {
		t.Fatalf("NRestarts %q: %v", n, err)
	}
	return fmt.Sprint(i + 1)
}

// nanosPlan changes the guest's environment in its service file: plan
// shows the changed unit and says its image is rebuilt at the next start.
func nanosPlan(t *testing.T, m *harness.Machine) {
	file := filepath.Join(m.Root(), harness.ConfigDir, "services", "echo.toml")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(file, orig, 0o644)
	edited := strings.Replace(string(orig), `MODE = "demo"`, `MODE = "changed"`, 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := m.Run("bootstage", "plan")
	for _, want := range []string{"~ changed echo.service",
		"~ image   echo.service: a new Nanos image at its next start (changed: the manifest)"} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("bootstage plan (%v) lacks %q:\n%s", err, want, out)
		}
	}
}

// nanosFromImage runs a second unikernel whose program is the entrypoint
// of an OCI image in local podman storage: the ELF is copied out with
// podman, and without cmd its arguments are the entrypoint's and the
// image's CMD.
func nanosFromImage(t *testing.T, m *harness.Machine, tree string) {
	const unit, url = "imaged.service", "http://127.0.0.1:28091/"
	archive := filepath.Join(m.Root(), "tmp", "echo-elf.tar")
	if err := writeTar(archive, "app/echo", filepath.Join(tree, nanosProgram)); err != nil {
		t.Fatal(err)
	}
	m.MustRun("podman", "import", "-q",
		"--change", `ENTRYPOINT ["/app/echo", "-listen", ":8081"]`, "--change", `CMD ["from the image's CMD"]`,
		"/tmp/echo-elf.tar", "localhost/echo-elf:1")
	svc := `stage = "unikernels"
runtime = "unikernel"

[[components]]
image = "localhost/echo-elf:1"
env = { SOURCE = "an OCI image" }
memory = 128
ports = ["127.0.0.1:28091:8081"]
health.check = "http"
`
	if err := os.WriteFile(filepath.Join(m.Root(), harness.ConfigDir, "services", "imaged.toml"), []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	m.DaemonReload()
	m.MustRun("systemctl", "start", unit)
	nanosAnswers(t, m, url, "hello from a Nanos unikernel\narg 0: \"from the image's CMD\"\nenv SOURCE: \"an OCI image\"\n")
	took, _ := stopUnit(t, m, unit)
	t.Logf("%s (program from image localhost/echo-elf:1) stopped in %s", unit, took)
}

// writeTar writes an image archive holding one executable, name, copied
// from src.
func writeTar(archive, name, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	f, err := os.Create(archive)
	if err != nil {
		return err
	}
	w := tar.NewWriter(f)
	for _, h := range []*tar.Header{
		{Name: filepath.Dir(name) + "/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(b))},
	} {
		if err := w.WriteHeader(h); err != nil {
			return err
		}
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}
