package qemu

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// sandbox writes the hardening of a VM unit. qemu needs no privilege at
// all: user-mode networking opens ordinary sockets, the QMP socket lives in
// the unit's own RuntimeDirectory, and boot files are only read. What it
// does need: W+X memory for the TCG JIT (so no MemoryDenyWriteExecute=),
// and /dev/kvm under KVM (so no PrivateDevices= there, a device allow-list
// instead, and the kvm group that owns /dev/kvm).
//
// A VM that writes the operator's files (a disk without snapshot, a share
// without ro) runs as root without any capability instead of a dynamic
// user: a uid drawn at start cannot own files made beforehand, while root
// writes root's own files through plain permissions, no CAP_DAC_OVERRIDE.
func sandbox(sv *units.Section, c *config.Component, kvm bool) {
	dynamic := !writesHostFiles(c)
	if dynamic {
		sv.Literal("DynamicUser", "yes")
	}
	sv.Literal("UMask", "0077")
	if kvm {
		sv.Literal("SupplementaryGroups", "kvm")
		sv.Literal("DevicePolicy", "closed")
		sv.Literal("DeviceAllow", "/dev/kvm rw")
	} else {
		sv.Literal("PrivateDevices", "yes")
	}
	if dynamic && !kvm {
		// Only root and the unit's user exist inside: fine for TCG, but
		// it would hide the kvm group that grants /dev/kvm, and the owners
		// of files a root VM writes.
		sv.Literal("PrivateUsers", "yes")
	}
	sv.Literal("ProtectSystem", "strict")
	sv.Literal("ProtectHome", "yes")
	for _, v := range c.Volumes {
		if writesShare(c, v) {
			sv.Text("ReadWritePaths", v.Host)
		}
	}
	if c.Disk != "" && !c.Snapshot {
		sv.Text("ReadWritePaths", c.Disk)
	}
	for _, k := range []string{
		"PrivateTmp", "PrivateIPC", "NoNewPrivileges", "ProtectClock", "ProtectHostname",
		"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
		"RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality",
		"RemoveIPC",
	} {
		sv.Literal(k, "yes")
	}
	sv.Literal("ProtectProc", "invisible")
	sv.Literal("ProcSubset", "pid")
	sv.Literal("CapabilityBoundingSet", "")
	sv.Literal("AmbientCapabilities", "")
	sv.Literal("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6")
	sv.Literal("SystemCallArchitectures", "native")
	// qemu probes seccomp(2) to offer -sandbox, and installs its filter
	// with it; no group of systemd.exec holds it.
	sv.Literal("SystemCallFilter", "@system-service seccomp")
	sv.Literal("SystemCallFilter", "~@privileged @resources")
	sv.Literal("SystemCallErrorNumber", "EPERM")
}

// writesHostFiles reports whether the VM writes files of the host: a disk
// booted without snapshot, or a share not marked ro.
func writesHostFiles(c *config.Component) bool {
	if c.Disk != "" && !c.Snapshot {
		return true
	}
	for _, v := range c.Volumes {
		if writesShare(c, v) {
			return true
		}
	}
	return false
}

// writesShare reports whether qemu opens the files of share v for
// writing: unless it is ro, and always for a unikernel, since Nanos opens
// every file of a share read-write (its own mount keeps an ro share
// read-only).
func writesShare(c *config.Component, v config.Volume) bool {
	return c.Nanos || !hasOption(v.Options, "ro")
}
