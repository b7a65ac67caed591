package qemu

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Where a VM unit keeps its files. Units are system units, so systemd's %t
// is /run; the generator writes the absolute paths, which `systemctl cat`
// then shows as they are.
const (
	// RunDir holds one RuntimeDirectory per VM unit: RunDir/DIR, where DIR
	// is RuntimeDir of the unit. It is a folder of its own, not
	// /run/bootstage itself, which is a configuration directory: a VM
	// named "services" must not create /run/bootstage/services.
	RunDir = "/run/bootstage/vm"
	// CacheDir holds files extracted from OCI images, one folder per image
	// ID (see Prepare).
	CacheDir = "/var/lib/bootstage/images"
	// StateDir holds one StateDirectory per unikernel unit: StateDir/DIR,
	// DIR as in RunDir, where its Nanos images are built and kept across
	// restarts and reboots.
	StateDir = "/var/lib/bootstage/vm"
	// NanosImageName is the link in a unikernel's state directory to the
	// image built last, which qemu boots (see vm.PrepareNanos).
	NanosImageName = "nanos.img"
	// socketName is the QMP socket inside the unit's RuntimeDirectory.
	socketName = "qmp.sock"
)

// RuntimeDir is the folder name under RunDir of the VM unit named unit
// ("metacrypt-vm.service" or "metacrypt-vm"): the unit's name without its
// suffix. A name that holds anything but [A-Za-z0-9:_.-] (systemd's \xNN
// escapes) is replaced by "vm-" and a hash, since systemd unquotes
// RuntimeDirectory= and Exec*= values differently and qemu option values
// split on commas: the folder name must read the same to systemd, qemu and
// the CLI.
func RuntimeDir(unit string) string {
	stem := strings.TrimSuffix(unit, ".service")
	for i := 0; i < len(stem); i++ {
		if !isPlain(stem[i]) {
			sum := sha256.Sum256([]byte(stem))
			return "vm-" + hex.EncodeToString(sum[:8])
		}
	}
	return stem
}

// SocketPath is the QMP socket of the VM unit named unit; `bootstage vm
// status NAME` connects there.
func SocketPath(unit string) string {
	return RunDir + "/" + RuntimeDir(unit) + "/" + socketName
}

func isPlain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == ':' || c == '_' || c == '.' || c == '-'
}

// StatePath is the state directory of the unikernel unit named unit.
func StatePath(unit string) string {
	return StateDir + "/" + RuntimeDir(unit)
}
