package generator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bootstage/bootstage/runtimes"
)

// DefaultCgroupsMode is podman's --cgroups= for generated units: conmon
// in the unit's cgroup, the container in a sub-cgroup of it, as podman's
// own systemd integration does.
const DefaultCgroupsMode = "split"

// Paths of bootstage's own programs, which units run. The build sets them
// (-ldflags -X) from its configured libexecdir and bindir; DetectHost puts
// them in the Host, and nothing else reads them.
var (
	HealthdPath   = "/usr/libexec/bootstage/bootstage-healthd"
	BootstagePath = "/usr/bin/bootstage"
)

// DetectHost looks up what the runtimes need on this machine. It only
// stats files: a generator must not block boot. Whether KVM works is left
// out (KVM is false): Generate asks Options.DetectKVM only when a VM
// leaves the choice to accel = "auto". So are Nanos's files, which
// Generate finds with bootstage.toml's settings.
func DetectHost() runtimes.Host {
	return runtimes.Host{
		Podman:      findBinary("podman"),
		QEMU:        findBinary("qemu-system-x86_64"),
		Bootstage:   BootstagePath,
		Healthd:     HealthdPath,
		CgroupsMode: DefaultCgroupsMode,
		UnitPath:    UnitPath(os.Getenv("SYSTEMD_UNIT_PATH")),
	}
}

// DefaultUnitPath is systemd 252's unit search path in system mode
// (`systemd-analyze unit-paths`, systemd.unit(5) "UNIT FILE LOAD PATH"),
// highest priority first, without the generator output directories.
var DefaultUnitPath = []string{
	"/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
	"/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system",
	"/run/systemd/system.attached", "/usr/local/lib/systemd/system", "/lib/systemd/system",
	"/usr/lib/systemd/system",
}

// generatorDirs are where generators write (systemd.generator(7)): what
// bootstage finds there is its own output, or another generator's, never
// a unit of the system it must not shadow.
var generatorDirs = []string{"/run/systemd/generator", "/run/systemd/generator.early", "/run/systemd/generator.late"}

// UnitPath is the search path systemd uses given $SYSTEMD_UNIT_PATH (env):
// the variable's directories, followed by DefaultUnitPath when it ends in
// ":" (systemd.unit(5)), or DefaultUnitPath when it is empty; generator
// output directories are left out.
func UnitPath(env string) []string {
	if env == "" {
		return slices.Clone(DefaultUnitPath)
	}
	var dirs []string
	for _, d := range strings.Split(env, ":") {
		if d = filepath.Clean(d); d != "." && !slices.Contains(generatorDirs, d) {
			dirs = append(dirs, d)
		}
	}
	if strings.HasSuffix(env, ":") {
		dirs = append(dirs, DefaultUnitPath...)
	}
	return dirs
}

var binDirs = []string{"/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin"}

// findBinary returns where name is installed, or /usr/bin/NAME, so that a
// unit still says what it would run (and fails clearly) when it is not.
func findBinary(name string) string {
	if p := findOptional(name); p != "" {
		return p
	}
	return filepath.Join("/usr/bin", name)
}

func findOptional(name string) string {
	for _, d := range binDirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// fileExists reports whether p exists, for qemu.FindNanos: one stat.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
