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
// at its key and reports all of them; h supplies what the host lacks
// (Nanos's files).
func Validate(c *config.Component, h runtimes.Host) []config.FieldError {
	var errs []config.FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, config.FieldError{Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	if c.Nanos {
		errs = append(errs, validateNanos(c, h)...)
	} else {
		validateBoot(c, h, bad)
	}
	memory := "memory_mb" // memory is the same setting, as MCP and DESIGN §8 spell it for unikernels
	if c.Nanos {
		memory = "memory"
	}
	switch {
	case c.MemoryMB == 0:
		bad(memory, "required for a VM (MiB of guest memory, e.g. 256)")
	case c.MemoryMB < MinMemoryMB || c.MemoryMB > MaxMemoryMB:
		bad(memory, "%d is out of range %d..%d", c.MemoryMB, MinMemoryMB, MaxMemoryMB)
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
}

// validateNanos checks what a unikernel is built from: one program, the
// node's Nanos files, and mount points Nanos can mount on.
func validateNanos(c *config.Component, h runtimes.Host) []config.FieldError {
	var errs []config.FieldError
	bad := func(key, hint, format string, a ...any) {
		errs = append(errs, config.FieldError{Key: key, Msg: fmt.Sprintf(format, a...), Hint: hint})
	}
	if h.Nanos.Missing != "" {
		bad("runtime", nanosHint(), "a unikernel is built with Nanos's files: %s", h.Nanos.Missing)
	}
	switch {
	case c.Program != "" && c.Image != "":
		bad("program", "keep one of them", "program and image both name the program")
	case c.ImagePath != "" && c.Image == "":
		bad("image_path", "", "image_path is a path in image, which is not set")
	case c.Program == "" && c.Image == "":
		bad("runtime", `add program = "/path/to/static-elf", or image = "registry.example/name:tag"`,
			"a unikernel needs a program: a static ELF on the host, or an OCI image holding one")
	}
	for _, kv := range [][2]string{{"program", c.Program}, {"image_path", c.ImagePath}} {
		if kv[1] != "" && !path.IsAbs(kv[1]) {
			bad(kv[0], "", "%s must be an absolute path", kv[1])
		}
	}
	program := c.Program + c.ImagePath
	seen := map[string]bool{}
	for i, v := range c.Volumes {
		key := fmt.Sprintf("volumes.%d", i)
		switch p := path.Clean(v.Container); {
		case !path.IsAbs(v.Container) || p == "/":
			bad(key, "", "%s: a unikernel mounts a volume on an absolute path below /", v.Container)
		case seen[p]:
			bad(key, "", "%s: another volume is mounted there", v.Container)
		case program != "" && (p == program || strings.HasPrefix(program, p+"/")):
			bad(key, "", "%s: the program %s would be hidden under the volume", v.Container, program)
		}
		seen[path.Clean(v.Container)] = true
	}
	return errs
}
