package qemu

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// SandboxOpt is qemu's own seccomp policy for every VM: obsolete system
// calls, privilege changes, spawning processes and resource control are
// refused; none of them is needed by user-mode networking, virtfs or TCG.
const SandboxOpt = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

// vmArgs is the qemu command line of component c in unit unit, one group
// per option so that `systemctl cat` shows one option per line. The order
// is fixed: identity, machine, resources, network, control, console,
// sandbox, boot source, volumes, then the component's own qemu_args.
//
// Where configuration enters: qemu takes the word after an option as its
// value whatever it is, so -kernel, -initrd (absolute paths, the loader
// and Validate make sure) and -append (the kernel's command line, blanks
// and all) are safe as given. Paths inside an option string (-drive
// file=, -virtfs path=) have their commas doubled (optEscape); ports are
// rebuilt from what ParsePort accepts. An image reaches podman through
// `bootstage vm prepare --image`, in the containers/image grammar
// (config.CheckReference). qemu_args come last and are the component's
// own argv: nothing of bootstage's follows them.
func vmArgs(unit string, c *config.Component, kvm bool, qemuPath string) [][]string {
	accel := "tcg"
	if kvm {
		accel = "kvm"
	}
	g := [][]string{
		{qemuPath},
		{"-name", strings.TrimSuffix(unit, ".service")},
		{"-machine", "q35,accel=" + accel},
		{"-nodefaults", "-no-user-config", "-display", "none"},
		{"-m", strconv.Itoa(c.MemoryMB), "-smp", strconv.Itoa(max(c.VCPUs, 1))},
		{"-netdev", netdev(c.Ports)},
		{"-device", "virtio-net-pci,netdev=net0"},
		{"-qmp", "unix:" + optEscape(SocketPath(unit)) + ",server=on,wait=off"},
		{"-serial", "stdio"},
		{"-sandbox", SandboxOpt},
	}
	g = append(g, bootArgs(unit, c)...)
	if c.Nanos {
		// The kernel leaves through the debug exit (see Manifest.Text);
		// a reboot would only run the program again inside the same qemu.
		g = append(g, []string{"-device", "isa-debug-exit", "-no-reboot"})
	}
	for i, v := range c.Volumes {
		g = append(g, []string{"-virtfs", virtfs(i, v, c.Nanos)})
	}
	if len(c.QEMUArgs) > 0 {
		g = append(g, c.QEMUArgs)
	}
	return g
}

// netdev is the user-mode network with one hostfwd per published port; the
// guest side keeps slirp's default address (10.0.2.15).
func netdev(ports []config.Port) string {
	s := "user,id=net0"
	for _, p := range ports {
		proto := p.Proto
		if proto == "" {
			proto = "tcp"
		}
		host := p.HostIP
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		s += fmt.Sprintf(",hostfwd=%s:%s:%d-:%d", proto, host, p.HostPort, p.ContainerPort)
	}
	return s
}

// bootArgs is the boot source: a kernel, a disk, a disk that vm.Prepare
// extracted from an OCI image and linked into the unit's RuntimeDirectory,
// or for a unikernel the image vm.PrepareNanos built into its state
// directory.
func bootArgs(unit string, c *config.Component) [][]string {
	switch {
	case c.Nanos:
		// One image serves every start until its inputs change: the
		// guest's writes to its root filesystem go to a snapshot.
		return [][]string{{"-drive", drive(StatePath(unit)+"/"+NanosImageName, "raw", true)}}
	case c.Kernel != "":
		g := [][]string{{"-kernel", c.Kernel}}
		if c.Initrd != "" {
			g = append(g, []string{"-initrd", c.Initrd})
		}
		if c.Append != "" {
			g = append(g, []string{"-append", c.Append})
		}
		return g
	case c.Disk != "":
		return [][]string{{"-drive", drive(c.Disk, DiskFormat(c.Disk), c.Snapshot)}}
	case c.Image != "":
		// An image is shared by every unit that uses it: never written.
		return [][]string{{"-drive", drive(preparedPath(unit, c), preparedFormat(c), true)}}
	}
	return nil
}

// DiskFormat is the qemu format of a disk file, from its name: ".qcow2"
// (or ".qcow") is qcow2, anything else raw. The generator never reads the
// file (its output depends on the configuration alone), and naming the
// format stops qemu from probing a raw image whose guest wrote a qcow2
// header into it.
func DiskFormat(file string) string {
	switch strings.ToLower(path.Ext(file)) {
	case ".qcow2", ".qcow":
		return "qcow2"
	}
	return "raw"
}

func drive(file, format string, snapshot bool) string {
	s := "file=" + optEscape(file) + ",format=" + format + ",if=virtio"
	if snapshot {
		s += ",snapshot=on"
	}
	return s
}

// preparedPath is where vm.Prepare links the boot disk of an image source.
func preparedPath(unit string, c *config.Component) string {
	return RunDir + "/" + RuntimeDir(unit) + "/boot." + preparedFormat(c)
}

func preparedFormat(c *config.Component) string {
	return DiskFormat(c.ImagePath)
}

// virtfs shares volume v with the guest as 9p tag "volN" (N: its index in
// volumes), mounted in the guest with
// `mount -t 9p -o trans=virtio volN /path`. A unikernel's tag is N alone:
// Nanos takes tag N for its volume virtfsN (Mount) and ignores any other.
// Nanos opens every file of a share for reading and writing, so qemu must
// let it: a unikernel's ro is Nanos's own mount option, not qemu's.
func virtfs(i int, v config.Volume, nanos bool) string {
	if nanos {
		// multidevs=remap: a share that spans file systems keeps its
		// inode numbers apart, as Nanos's 9p client needs.
		return fmt.Sprintf("local,path=%s,mount_tag=%d,security_model=none,multidevs=remap,id=fs%d", optEscape(v.Host), i, i)
	}
	s := fmt.Sprintf("local,path=%s,mount_tag=vol%d,security_model=none", optEscape(v.Host), i)
	if hasOption(v.Options, "ro") {
		s += ",readonly=on"
	}
	return s
}

func hasOption(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// optEscape escapes a value inside a qemu option string, where "," separates
// options and ",," stands for a comma.
func optEscape(s string) string {
	return strings.ReplaceAll(s, ",", ",,")
}
