package qemu

import (
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := func() *config.Component { c := kernelVM(); return c }
	unikernel := func() *config.Component {
		return &config.Component{Runtime: config.QEMU, Nanos: true, Program: "/opt/echo", MemoryMB: 64}
	}
	cases := []struct {
		name   string
		edit   func(c *config.Component)
		host   runtimes.Host
		key    string // "" = valid
		substr string
	}{
		{"kernel vm", func(c *config.Component) {}, host, "", ""},
		{"no boot source", func(c *config.Component) { c.Kernel, c.Initrd, c.Append = "", "", "" }, host, "kernel", "exactly one boot source"},
		{"two boot sources", func(c *config.Component) { c.Disk = "/d.img" }, host, "kernel", "found 2"},
		{"relative kernel", func(c *config.Component) { c.Kernel = "vmlinuz" }, host, "kernel", "absolute"},
		{"initrd without kernel", func(c *config.Component) { c.Kernel = ""; c.Disk = "/d.img" }, host, "initrd", "need kernel"},
		{"snapshot without disk", func(c *config.Component) { c.Snapshot = true }, host, "snapshot", "disk only"},
		{"image without path", func(c *config.Component) { *c = config.Component{Image: "x", MemoryMB: 64} }, host, "image_path", "go together"},
		{"unikernel from a program", func(c *config.Component) { *c = *unikernel() }, host, "", ""},
		{"unikernel from an entrypoint", func(c *config.Component) {
			*c = config.Component{Image: "x", Nanos: true, MemoryMB: 64}
		}, host, "", ""},
		{"unikernel without Nanos", func(c *config.Component) { *c = *unikernel() },
			runtimes.Host{Nanos: runtimes.Nanos{Missing: "mkfs is in neither /usr/lib/nanos nor /usr/local/lib/nanos"}},
			"runtime", "Nanos's files: mkfs is in neither"},
		{"unikernel without a program", func(c *config.Component) { *c = *unikernel(); c.Program = "" }, host, "runtime", "needs a program"},
		{"unikernel with two programs", func(c *config.Component) { *c = *unikernel(); c.Image = "x" }, host, "program", "both name the program"},
		{"unikernel image_path without image", func(c *config.Component) { *c = *unikernel(); c.Program, c.ImagePath = "", "/app" }, host, "image_path", "image, which is not set"},
		{"unikernel relative program", func(c *config.Component) { *c = *unikernel(); c.Program = "app" }, host, "program", "absolute"},
		{"unikernel volume on /", func(c *config.Component) {
			*c = *unikernel()
			c.Volumes = []config.Volume{{Host: "/srv", Container: "/"}}
		}, host, "volumes.0", "below /"},
		{"unikernel volume twice", func(c *config.Component) {
			*c = *unikernel()
			c.Volumes = []config.Volume{{Host: "/a", Container: "/d"}, {Host: "/b", Container: "/d/"}}
		}, host, "volumes.1", "another volume"},
		{"unikernel volume over the program", func(c *config.Component) {
			*c = *unikernel()
			c.Volumes = []config.Volume{{Host: "/srv", Container: "/opt"}}
		}, host, "volumes.0", "would be hidden"},
		{"memory missing", func(c *config.Component) { c.MemoryMB = 0 }, host, "memory_mb", "required"},
		{"memory too small", func(c *config.Component) { c.MemoryMB = 8 }, host, "memory_mb", "out of range"},
		{"too many vcpus", func(c *config.Component) { c.VCPUs = 1000 }, host, "vcpus", "out of range"},
		{"bad accel", func(c *config.Component) { c.Accel = "hvf" }, host, "accel", "not one of"},
		{"port without host port", func(c *config.Component) { c.Ports[0].HostPort = 0 }, host, "ports", "needs a host port"},
		{"sctp port", func(c *config.Component) { c.Ports[0].Proto = "sctp" }, host, "ports", "only tcp and udp"},
		{"volume with blank", func(c *config.Component) { c.Volumes = []config.Volume{{Host: "/a b", Container: "/x"}} }, host, "volumes", "blanks"},
		{"volume selinux option", func(c *config.Component) { c.Volumes = []config.Volume{{Host: "/a", Options: []string{"Z"}}} }, host, "volumes", "no meaning"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok()
			tc.edit(c)
			errs := Validate(c, tc.host)
			if tc.key == "" {
				if len(errs) != 0 {
					t.Errorf("Validate = %v, want no error", errs)
				}
				return
			}
			for _, err := range errs {
				if err.Key == tc.key && strings.Contains(err.Msg, tc.substr) {
					return
				}
			}
			t.Errorf("Validate = %v, want a %s error with %q", errs, tc.key, tc.substr)
		})
	}
}

// Names that need systemd escapes get a hashed folder: no backslash or
// comma may reach RuntimeDirectory= or a qemu option.
func TestRuntimeDirIsPlain(t *testing.T) {
	t.Parallel()
	for _, unit := range []string{"a-b.service", `a\x2cb.service`, `x\x20y`} {
		d := RuntimeDir(unit)
		if strings.ContainsAny(d, `\, /`) || d == "" {
			t.Errorf("RuntimeDir(%q) = %q", unit, d)
		}
	}
	if RuntimeDir(`a\x2cb`) == RuntimeDir(`a\x2cc`) {
		t.Error("two names share a runtime directory")
	}
}
