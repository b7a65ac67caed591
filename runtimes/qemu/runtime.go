package qemu

import (
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

// stopMargin is how far TimeoutStopSec= stands above the guest's
// stop_timeout (default config.DefaultVMStopTimeout), which `bootstage vm
// stop` waits before it sends quit: systemd's own timeout only acts when
// the stop command itself hangs.
const stopMargin = 15 * time.Second

// Runtime is the qemu runtime (runtime = "qemu", and "unikernel": a Nanos
// guest, see NanosBuild).
type Runtime struct{}

var _ runtimes.Runtime = Runtime{}

// UsesKVM reports how c runs on host h: accel "kvm" always, "tcg" never,
// "auto" (or unset) when h.KVM says hardware virtualization works.
func UsesKVM(c *config.Component, h runtimes.Host) bool {
	switch c.Accel {
	case config.AccelKVM:
		return true
	case config.AccelTCG:
		return false
	}
	return h.KVM
}

// Fill writes the [Service] section of the VM unit of component c.
func (Runtime) Fill(f *units.File, s *config.Service, c *config.Component, h runtimes.Host) {
	kvm := UsesKVM(c, h)
	sv := f.Section("Service")
	sv.Literal("Type", "simple")
	sv.Text("RuntimeDirectory", strings.TrimPrefix(RunDir, "/run/")+"/"+RuntimeDir(f.Name))
	sv.Literal("RuntimeDirectoryMode", "0700")
	switch {
	case c.Nanos:
		// Images are kept across restarts and reboots: one is built only
		// when what goes into it changed.
		sv.Text("StateDirectory", strings.TrimPrefix(StateDir, "/var/lib/")+"/"+RuntimeDir(f.Name))
		sv.Literal("StateDirectoryMode", "0700")
		build := NanosBuildOf(f.Name, c, h).Flags()
		sv.Exec("ExecStartPre", "+", append([][]string{{h.Bootstage, "vm", "prepare", NanosFlag}}, build...)...)
	case c.Image != "":
		sv.Exec("ExecStartPre", "+", prepareArgs(f.Name, c, h)...)
	}
	sv.Exec("ExecStart", "", vmArgs(f.Name, c, kvm, h.QEMU)...)
	stop := c.StopTimeout
	if stop <= 0 {
		stop = config.DefaultVMStopTimeout
	}
	sv.Exec("ExecStop", "", []string{h.Bootstage, "vm", "stop", "--timeout", config.FormatDuration(stop), SocketPath(f.Name)})
	sv.Text("TimeoutStopSec", config.FormatDuration(stop+stopMargin))
	if c.StartTimeout > 0 {
		sv.Text("TimeoutStartSec", config.FormatDuration(c.StartTimeout))
	}
	runtimes.Restart(sv, c.Restart)
	if c.Nanos {
		// Nanos leaves qemu through isa-debug-exit with (code<<1)|1: 1 is
		// a program that exited 0, 31 one that died of the SIGTERM a power
		// down sends (podman's 143). Any other status is a failure.
		sv.Text("SuccessExitStatus", "1 31")
	}
	sv.Literal("StandardInput", "null")
	sv.Literal("StandardOutput", "journal")
	sv.Literal("StandardError", "journal")
	sandbox(sv, c, kvm)
}

// prepareArgs is the privileged ExecStartPre that extracts the image's file
// into CacheDir (see vm.Prepare) and links it into the RuntimeDirectory.
func prepareArgs(unit string, c *config.Component, h runtimes.Host) [][]string {
	g := [][]string{
		{h.Bootstage, "vm", "prepare"},
		{"--podman", h.Podman},
		{"--image", c.Image},
		{"--path", c.ImagePath},
		{"--link", preparedPath(unit, c)},
	}
	return g
}
