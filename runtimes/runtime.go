// Package runtimes is the contract between the generator and the runtimes
// (runtimes/podman, runtimes/qemu): the generator writes what every unit
// shares ([Unit] ordering, Description=, SourcePath=), a runtime adds what
// running its kind of component takes.
package runtimes

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// Host is what a runtime may know of the machine and of the build. The
// generator fills it once per run; runtimes never probe the machine
// themselves, so their output depends on their input alone.
type Host struct {
	Podman    string // absolute path of podman
	QEMU      string // absolute path of qemu-system-x86_64
	Bootstage string // absolute path of the bootstage CLI (vm stop)
	Healthd   string // absolute path of bootstage-healthd
	// Nanos is where the files that build and boot unikernels are.
	Nanos Nanos

	// CgroupsMode is podman's --cgroups= value for this host.
	CgroupsMode string
	// KVM reports that hardware virtualization really works here; it is
	// what accel = "auto" resolves with. KVMReason says why, for the log.
	KVM       bool
	KVMReason string

	// UnitPath is systemd's unit search path, highest priority first,
	// without the generator output directories: a name that a unit file or
	// alias in it provides is refused, never generated over or under. Nil
	// checks nothing (a fixed Host in tests).
	UnitPath []string
}

// Nanos is where this node's Nanos files are (DESIGN §8), as the generator
// found them, for runtime = "unikernel": from bootstage.toml's [unikernel],
// else from config.NanosDirs.
type Nanos struct {
	Kernel, Boot, Mkfs string // absolute paths
	// Missing says which of them do not exist, and where they were looked
	// for; "" when all three do. A unikernel cannot be built without them.
	Missing string
}

// Runtime turns one component into the runtime part of its unit.
type Runtime interface {
	// Fill adds the runtime's settings to f, whose [Unit] section the
	// generator has begun. Problems are recorded in f (see units.File.Err).
	Fill(f *units.File, s *config.Service, c *config.Component, h Host)
	// Validate returns what stops c from running on h, each at its key.
	// The config loader has checked types and shared keys already.
	Validate(c *config.Component, h Host) []config.FieldError
}

// Restart writes the restart keys every runtime's unit shares: Restart=
// from the component's policy, and RestartSec= of config.RestartDelay
// wherever the unit restarts at all.
func Restart(s *units.Section, r config.Restart) {
	policy := r.Systemd()
	s.Literal("Restart", policy)
	if policy != string(config.RestartNo) {
		s.Literal("RestartSec", config.FormatDuration(config.RestartDelay))
	}
}
