package cli

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/vm"
)

// fakeQMP answers as the guests of the test: vault/vm runs; any other
// socket has no qemu behind it.
type fakeQMP struct {
	sockets  []string
	timeouts []time.Duration
	prepared []vm.PrepareOptions
}

const vaultSocket = "/run/bootstage/vm/vault-vm/qmp.sock"

func (f *fakeQMP) install(e *Env) {
	e.VMStatus = func(_ context.Context, socket string) (vm.VMStatus, error) {
		f.sockets = append(f.sockets, socket)
		switch socket {
		case vaultSocket:
			return vm.VMStatus{Status: "running", Running: true}, nil
		case "/denied":
			return vm.VMStatus{}, fmt.Errorf("dial unix %s: %w", socket, os.ErrPermission)
		}
		return vm.VMStatus{}, fmt.Errorf("dial unix %s: %w", socket, vm.ErrNotRunning)
	}
	e.VMStop = func(_ context.Context, socket string, timeout time.Duration) (vm.StopResult, error) {
		f.sockets = append(f.sockets, socket)
		f.timeouts = append(f.timeouts, timeout)
		if socket == vaultSocket {
			return vm.StopResult{PoweredDown: true, Waited: 2340 * time.Millisecond}, nil
		}
		if socket == "/stubborn" {
			return vm.StopResult{Quit: true, Waited: timeout}, nil
		}
		return vm.StopResult{NotRunning: true}, nil
	}
	e.VMPrepare = func(_ context.Context, o vm.PrepareOptions) (string, error) {
		f.prepared = append(f.prepared, o)
		return "/var/lib/bootstage/images/sha256-1/" + o.Path, nil
	}
}

func TestGoldenVM(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"vm_status", []string{"vm", "status", "vault/vm"}, 0},
		{"vm_status_unit", []string{"vm", "status", "--json", "vault-vm"}, 0},
		{"vm_status_socket_not_running", []string{"vm", "status", "/run/bootstage/gone/qmp.sock"}, 1},
		{"vm_status_unknown", []string{"vm", "status", "vault/mv"}, 2},
		{"vm_status_not_a_vm", []string{"vm", "status", "web/api"}, 2},
		{"vm_status_denied", []string{"vm", "status", "/denied"}, 4},
		{"vm_stop", []string{"vm", "stop", "vault/vm"}, 0},
		{"vm_stop_quit", []string{"vm", "stop", "--timeout", "5s", "/stubborn"}, 0},
		{"vm_stop_not_running", []string{"vm", "stop", "/run/bootstage/gone/qmp.sock"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEnv(t, nil)
			(&fakeQMP{}).install(te.Env)
			got, code := te.run(append(c.args, "-C", "testdata/stack")...)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			golden(t, c.name, got)
		})
	}
}

// TestVMStopAsExecStop runs the command line the qemu runtime writes into
// ExecStop=: flags first, a socket path, no config needed.
func TestVMStopAsExecStop(t *testing.T) {
	te := newTestEnv(t, nil)
	q := &fakeQMP{}
	q.install(te.Env)
	te.Generate = nil // must not read the config
	if out, code := te.run("vm", "stop", "--timeout", "30s", vaultSocket); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if len(q.timeouts) != 1 || q.timeouts[0] != 30*time.Second || q.sockets[0] != vaultSocket {
		t.Errorf("stopped %v with %v", q.sockets, q.timeouts)
	}
}

func TestVMPrepare(t *testing.T) {
	te := newTestEnv(t, nil)
	q := &fakeQMP{}
	q.install(te.Env)
	out, code := te.run("vm", "prepare", "--podman", "/usr/bin/podman", "--image", "localhost/k:1",
		"--path", "/kernel.img", "--link", "/run/bootstage/k/boot")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := vm.PrepareOptions{Podman: "/usr/bin/podman", Image: "localhost/k:1", Path: "/kernel.img",
		Link: "/run/bootstage/k/boot"}
	if len(q.prepared) != 1 || q.prepared[0] != want {
		t.Errorf("prepared %+v, want %+v", q.prepared, want)
	}
	if out, code := te.run("vm", "prepare", "--podman", "/usr/bin/podman", "--image", "localhost/k:1"); code != 2 ||
		!strings.Contains(out, "vm prepare: --path is required") {
		t.Errorf("prepare without --path: exit %d\n%s", code, out)
	}
}

// The Nanos form of prepare takes what the unit says word for word, even
// arguments that look like flags, and says whether it built.
func TestVMPrepareNanos(t *testing.T) {
	te := newTestEnv(t, nil)
	var got []qemu.NanosBuild
	te.VMPrepareNanos = func(_ context.Context, b qemu.NanosBuild) (vm.NanosResult, error) {
		got = append(got, b)
		return vm.NanosResult{Image: b.State + "/nanos-0123.img", Digest: strings.Repeat("ab", 32), Built: len(got) == 1}, nil
	}
	args := []string{"vm", "prepare", "--nanos", "--state", "/var/lib/bootstage/vm/echo",
		"--kernel", "/k", "--boot", "/b", "--mkfs", "/m", "--program", "/opt/echo",
		"--arg", "--listen", "--arg", ":8080", "--arg", "two words", "--env", "A=b=c", "--mount", "0:/data:ro"}
	want := qemu.NanosBuild{State: "/var/lib/bootstage/vm/echo", Kernel: "/k", Boot: "/b", Mkfs: "/m",
		Program: "/opt/echo", Args: []string{"--listen", ":8080", "two words"},
		Env: []config.EnvVar{{Key: "A", Value: "b=c"}}, Mounts: []qemu.Mount{{Tag: 0, Path: "/data", ReadOnly: true}}}
	for i, says := range []string{"built (inputs abababababababab)", "reused (inputs abababababababab unchanged)"} {
		out, code := te.run(args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if w := "\nNanos image /var/lib/bootstage/vm/echo/nanos-0123.img " + says + "\n--- exit 0\n"; !strings.HasSuffix(out, w) {
			t.Errorf("start %d printed\n%s\nwant the line %q", i, out, w)
		}
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("built %+v, want %+v", got, want)
	}
	if out, code := te.run("vm", "prepare", "--nanos", "--state", "/s"); code != 2 ||
		!strings.Contains(out, "vm prepare --nanos: missing --boot, --kernel, --mkfs") {
		t.Errorf("prepare --nanos without Nanos's files: exit %d\n%s", code, out)
	}
}
