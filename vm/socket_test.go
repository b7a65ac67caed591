package vm

import (
	"testing"

	"github.com/bootstage/bootstage/runtimes/qemu"
)

func TestSocketFor(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/run/x/qmp.sock":        "/run/x/qmp.sock",
		"metacrypt/vm":           "/run/bootstage/vm/metacrypt-vm/qmp.sock",
		"metacrypt-vm.service":   "/run/bootstage/vm/metacrypt-vm/qmp.sock",
		"metacrypt-vm":           "/run/bootstage/vm/metacrypt-vm/qmp.sock",
		`odd\x2cname.service`:    "/run/bootstage/vm/" + qemu.RuntimeDir(`odd\x2cname`) + "/qmp.sock",
		"web/comp with, a comma": "/run/bootstage/vm/" + qemu.RuntimeDir(`web-comp\x20with\x2c\x20a\x20comma`) + "/qmp.sock",
	}
	for in, want := range cases {
		if got, err := SocketFor(in); err != nil || got != want {
			t.Errorf("SocketFor(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SocketFor(""); err == nil {
		t.Error("SocketFor(\"\") did not fail")
	}
}
