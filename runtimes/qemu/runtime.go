package qemu

import (
	"strings"
	"time"

	"github.com/bootstage/bootstage/generator/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

// Stop timing: `bootstage vm stop` waits StopTimeout (default
// DefaultStopTimeout) for the guest to power down, then sends quit;
// systemd's own TimeoutStopSec= is stopMargin above that, so it only acts
// when the stop command itself hangs.
const (
	DefaultStopTimeout = 30 * time.Second
	stopMargin         = 15 * time.Second
)

// Runtime is the qemu runtime (runtime = "qemu" or "unikernel").
type Runtime struct{}

var _ runtimes.Runtime = Runtime{}

// UsesKVM reports how c runs on host h: accel "kvm" always, "tcg" never,
// "auto" (or unset) when h.KVM says hardware virtualization works.
func UsesKVM(c *config.Component, h runtimes.Host) bool {
	switch c.Accel {
	case "kvm":
		return true
	case "tcg":
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
	if c.Image != "" {
		sv.Exec("ExecStartPre", "+", prepareArgs(f.Name, c, h)...)
	}
	sv.Exec("ExecStart", "", vmArgs(f.Name, c, kvm, h.QEMU)...)
	stop := c.StopTimeout
	if stop <= 0 {
		stop = DefaultStopTimeout
	}
	sv.Exec("ExecStop", "", []string{h.Bootstage, "vm", "stop", "--timeout", stop.String(), SocketPath(f.Name)})
	sv.Text("TimeoutStopSec", (stop + stopMargin).String())
	if c.StartTimeout > 0 {
		sv.Text("TimeoutStartSec", c.StartTimeout.String())
	}
	if r := restart(c.Restart); r != "" {
		sv.Literal("Restart", r)
	}
	sv.Literal("StandardInput", "null")
	sv.Literal("StandardOutput", "journal")
	sv.Literal("StandardError", "journal")
	sandbox(sv, c, kvm)
}

// restart maps the docker/podman restart policy onto Restart=; a stop by
// systemctl is never restarted, so unless-stopped is plain always.
func restart(r config.Restart) string {
	switch r {
	case config.RestartNo, config.RestartOnFailure, config.RestartAlways:
		return string(r)
	case config.RestartUnlessStopped:
		return "always"
	}
	return ""
}

// prepareArgs is the privileged ExecStartPre that extracts the image's file
// into CacheDir (see Prepare) and links it into the RuntimeDirectory.
func prepareArgs(unit string, c *config.Component, h runtimes.Host) [][]string {
	g := [][]string{
		{h.Bootstage, "vm", "prepare"},
		{"--podman", h.Podman},
		{"--image", c.Image},
		{"--path", c.ImagePath},
		{"--link", preparedPath(unit, c)},
	}
	if c.Nanos {
		g = append(g, []string{"--nanos", "--ops", h.Ops})
	}
	return g
}
