package vm

import (
	"bufio"
	"context"
	"errors"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// qemuBinary is the qemu the tests start, or a skip with the reason.
func qemuBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 is not installed: QMP tests need a real qemu (apt install qemu-system-x86)")
	}
	return p
}

// vm is a qemu started by a test, under TCG, with its QMP socket and its
// serial console collected line by line.
type vm struct {
	cmd    *exec.Cmd
	socket string
	done   chan error
	mu     sync.Mutex
	lines  []string
	seen   chan string // every console line, for waitLine
}

// startVM starts qemu with the argv shape the units use and extra args
// (none: no boot source, the firmware idles and ignores powerdown).
func startVM(t *testing.T, extra ...string) *vm {
	t.Helper()
	q := qemuBinary(t)
	// Short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "qmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "qmp.sock")
	args := append([]string{
		"-machine", "q35,accel=tcg", "-nodefaults", "-no-user-config", "-display", "none", "-m", "128",
		"-qmp", "unix:" + sock + ",server=on,wait=off", "-serial", "stdio", "-sandbox", qemu.SandboxOpt,
	}, extra...)
	v := &vm{cmd: exec.Command(q, args...), socket: sock, done: make(chan error, 1), seen: make(chan string, 1024)}
	out, err := v.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	v.cmd.Stderr = v.cmd.Stdout
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("starting qemu: %v", err)
	}
	go v.collect(out)
	t.Cleanup(func() {
		v.cmd.Process.Kill()
		<-v.done
	})
	// qemu binds the socket before it listens: the file alone is not a
	// QMP that answers (a loaded machine saw ECONNREFUSED in between).
	for i := 0; i < 400; i++ {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return v
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("qemu made no QMP socket; console:\n%s", v.console())
	return nil
}

func (v *vm) collect(out interface{ Read([]byte) (int, error) }) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		v.mu.Lock()
		v.lines = append(v.lines, l)
		v.mu.Unlock()
		select {
		case v.seen <- l:
		default:
		}
	}
	v.done <- v.cmd.Wait()
}

func (v *vm) console() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return strings.Join(v.lines, "\n")
}

func (v *vm) waitLine(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l := <-v.seen:
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q on the console within %v:\n%s", want, timeout, v.console())
		}
	}
}

// exit waits for qemu to end and returns its exit code.
func (v *vm) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-v.done:
		v.done <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("waiting for qemu: %v", err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("qemu still runs %v after stop", timeout)
		return -1
	}
}

func TestStatusRunning(t *testing.T) {
	t.Parallel()
	v := startVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := Status(ctx, v.socket)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "running" || !st.Running {
		t.Errorf("Status = %+v, want running", st)
	}
}

// A guest that ignores the power button (here: no guest at all) is ended by
// quit once the timeout has passed, and qemu exits 0.
func TestStopIgnoredPowerdownQuits(t *testing.T) {
	t.Parallel()
	v := startVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Stop(ctx, v.socket, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Quit || res.PoweredDown || res.Waited < time.Second {
		t.Errorf("Stop = %+v, want Quit after the 1s timeout", res)
	}
	if code := v.exit(t, 10*time.Second); code != 0 {
		t.Errorf("qemu exit code after quit = %d, want 0", code)
	}
}

// A guest that honours ACPI power down shuts down within the timeout, and
// qemu exits 0: the clean path of `systemctl stop`.
func TestStopPowersDownGuest(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("BOOTSTAGE_QEMU_GUEST")
	if dir == "" {
		t.Skip("BOOTSTAGE_QEMU_GUEST is not set: build the guest with testdata/mkguest.sh DIR (needs apt) and set it to DIR")
	}
	v := startVM(t, "-kernel", filepath.Join(dir, "vmlinuz"), "-initrd", filepath.Join(dir, "initrd.gz"),
		"-append", "console=ttyS0 quiet panic=-1", "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0")
	v.waitLine(t, "GUEST-READY", 90*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Stop(ctx, v.socket, 45*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !res.PoweredDown || res.Quit {
		t.Errorf("Stop = %+v, want PoweredDown", res)
	}
	if code := v.exit(t, 10*time.Second); code != 0 {
		t.Errorf("qemu exit code after guest power-off = %d, want 0", code)
	}
	if !strings.Contains(v.console(), "GUEST-POWERDOWN") {
		t.Errorf("console does not show the guest's power-down:\n%s", v.console())
	}
	t.Logf("guest powered down in %v", res.Waited)
}

func TestStopNotRunning(t *testing.T) {
	t.Parallel()
	res, err := Stop(context.Background(), filepath.Join(t.TempDir(), "qmp.sock"), time.Second)
	if err != nil || !res.NotRunning {
		t.Errorf("Stop on a missing socket = %+v, %v; want NotRunning, nil", res, err)
	}
	if _, err := Status(context.Background(), filepath.Join(t.TempDir(), "qmp.sock")); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Status on a missing socket: %v, want ErrNotRunning", err)
	}
}

// QMP serves one client at a time; a second one must give up with ctx
// rather than hang.
func TestStatusBusySocketHonoursContext(t *testing.T) {
	t.Parallel()
	v := startVM(t)
	ctx := context.Background()
	first, err := dial(ctx, v.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := Status(short, v.socket); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Status while another client holds QMP: %v, want a deadline error", err)
	}
}

// qemu exits 0 on SIGTERM too, so systemd's fallback kill is no failure.
func TestSIGTERMExitsZero(t *testing.T) {
	t.Parallel()
	v := startVM(t)
	// Once QMP answers, qemu's main loop (and its signal handling) runs.
	if _, err := Status(context.Background(), v.socket); err != nil {
		t.Fatal(err)
	}
	if err := v.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := v.exit(t, 10*time.Second); code != 0 {
		t.Errorf("qemu exit code on SIGTERM = %d, want 0", code)
	}
}
