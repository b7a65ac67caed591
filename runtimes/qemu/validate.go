package qemu

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
)

// Bounds of memory_mb and vcpus. 32 MiB boots a small Linux or Nanos guest;
// q35 without an IOMMU addresses 255 vCPUs.
const (
	MinMemoryMB = 32
	MaxMemoryMB = 1 << 20 // 1 TiB
	MaxVCPUs    = 255
)

// Validate is Validate, for the generator.
func (Runtime) Validate(c *config.Component, h runtimes.Host) []config.FieldError {
	return Validate(c, h)
}

// Validate returns every problem of a qemu component that Fill cannot turn
// into a working unit, in key order. The config loader positions each error
// at its key and reports all of them; h supplies what the host lacks (ops).
func Validate(c *config.Component, h runtimes.Host) []config.FieldError {
	var errs []config.FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, config.FieldError{Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	validateBoot(c, h, bad)
	switch {
	case c.MemoryMB == 0:
		bad("memory_mb", "required for a VM (MiB of guest memory, e.g. 256)")
	case c.MemoryMB < MinMemoryMB || c.MemoryMB > MaxMemoryMB:
		bad("memory_mb", "%d is out of range %d..%d", c.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if c.VCPUs < 0 || c.VCPUs > MaxVCPUs {
		bad("vcpus", "%d is out of range 1..%d", c.VCPUs, MaxVCPUs)
	}
	if c.Accel != "" && !slices.Contains(config.Accels, c.Accel) {
		bad("accel", "%q is not one of %s", c.Accel, strings.Join(config.Words(config.Accels), ", "))
	}
	for _, p := range c.Ports {
		if p.HostPort == 0 {
			bad("ports", "%d: a VM port needs a host port (user-mode networking cannot pick one)", p.ContainerPort)
		}
		if p.Proto != "" && p.Proto != "tcp" && p.Proto != "udp" {
			bad("ports", "%d/%s: only tcp and udp can be forwarded", p.ContainerPort, p.Proto)
		}
	}
	for _, v := range c.Volumes {
		if !path.IsAbs(v.Host) {
			bad("volumes", "%s: the host path must be absolute", v.Host)
		}
		if strings.ContainsAny(v.Host, " \t\"'\\") {
			bad("volumes", "%q: a shared path cannot hold blanks, quotes or backslashes (it goes into ReadWritePaths=)", v.Host)
		}
		for _, o := range v.Options {
			if o != "ro" && o != "rw" {
				bad("volumes", "%s: option %q has no meaning for a virtfs share (ro or rw)", v.Host, o)
			}
		}
	}
	return errs
}

// validateBoot checks that exactly one boot source is given, whole.
func validateBoot(c *config.Component, h runtimes.Host, bad func(key, format string, a ...any)) {
	n := 0
	for _, set := range []bool{c.Kernel != "", c.Disk != "", c.Image != "" || c.ImagePath != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		bad("kernel", "a VM needs exactly one boot source: kernel, disk, or image with image_path (found %d)", n)
	}
	for _, kv := range [][2]string{{"kernel", c.Kernel}, {"initrd", c.Initrd}, {"disk", c.Disk}, {"image_path", c.ImagePath}} {
		if kv[1] != "" && !path.IsAbs(kv[1]) {
			bad(kv[0], "%s must be an absolute path", kv[1])
		}
	}
	if c.Kernel == "" && (c.Initrd != "" || c.Append != "") {
		bad("initrd", "initrd and append need kernel")
	}
	if strings.ContainsAny(c.Disk, " \t\"'\\") {
		bad("disk", "%q: the path cannot hold blanks, quotes or backslashes (it goes into ReadWritePaths=)", c.Disk)
	}
	if c.Snapshot && c.Disk == "" {
		bad("snapshot", "snapshot applies to disk only (image sources always boot with snapshot)")
	}
	if (c.Image == "") != (c.ImagePath == "") {
		bad("image_path", "image and image_path go together for a VM")
	}
	if c.Nanos && c.ImagePath == "" {
		bad("runtime", `a unikernel needs image and image_path (the service's ELF inside the image)`)
	}
	if c.Nanos && h.Ops == "" {
		bad("runtime", `a unikernel is built with ops, which is not installed here (https://ops.city); install it, or boot a kernel or disk with runtime = "qemu"`)
	}
}
