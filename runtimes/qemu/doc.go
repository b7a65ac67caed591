// Package qemu is the unit builder of components that run as
// qemu-system-x86_64 guests (runtime = "qemu", and "unikernel", a Nanos
// guest): Runtime fills the [Service] section of their units, the constants
// and functions of paths.go say where a VM unit keeps its files, and
// NanosBuild and Manifest say what a unikernel's image is made of, for the
// unit and for `bootstage vm prepare`, which reads it back. Running guests
// (QMP, preparing boot disks and building images, KVM detection) is
// package vm's, which the generator does not link.
//
// # The unit
//
// ExecStart= runs qemu in the foreground (Type=simple; qemu cannot notify)
// with `-machine q35,accel=kvm|tcg`, `-nodefaults -no-user-config -display
// none`, `-m`/`-smp`, user-mode networking with one hostfwd per published
// port and a virtio-net NIC, the QMP socket RunDir/DIR/qmp.sock in the
// unit's RuntimeDirectory=bootstage/vm/DIR (DIR = RuntimeDir), the first serial
// port on stdout, which is the journal (so the guest needs console=ttyS0),
// and qemu's own seccomp sandbox (SandboxOpt). Boot sources:
//
//   - kernel (+ initrd, append): -kernel, -initrd, -append.
//   - disk: a virtio drive; its format comes from the file name (DiskFormat);
//     snapshot = true opens it with snapshot=on, so the guest's writes vanish.
//   - image + image_path: a privileged ExecStartPre (`bootstage vm prepare`,
//     see vm.Prepare) copies image_path out of the local podman image into
//     CacheDir/ID, once per image ID, and links it into the RuntimeDirectory;
//     the VM boots it with snapshot=on, as an image is never written.
//   - a unikernel: a privileged ExecStartPre (`bootstage vm prepare --nanos`
//     with the words of NanosBuild.Flags, see vm.PrepareNanos) builds the
//     image of its program with Nanos's mkfs into the unit's
//     StateDirectory=bootstage/vm/DIR, once per distinct input, and links
//     it as NanosImageName there; the VM boots it with snapshot=on, with
//     isa-debug-exit and -no-reboot.
//
// Volumes become virtfs (9p) shares, tagged vol0, vol1, ... in the order of
// volumes; the guest mounts them with `mount -t 9p -o trans=virtio vol0 DIR`.
// A unikernel's are tagged 0, 1, ...: Nanos mounts tag N, its volume
// virtfsN, where the manifest says, and ignores any other tag.
//
// ExecStop= runs `bootstage vm stop --timeout T SOCKET` (vm.Stop): ACPI power
// down, a wait of T for the guest to shut down, then quit; TimeoutStopSec=
// is T plus a margin. qemu exits 0 when the guest powers off and when it is
// told to quit, so a clean shutdown is a success without SuccessExitStatus=.
// Nanos leaves through the debug exit instead, with (status<<1)|1: a
// unikernel's SuccessExitStatus= is 1 (the program exited 0) and 31 (it
// died of the power-down's SIGTERM), so that any other end is a failure for
// Restart= to act on.
//
// The unit runs as a DynamicUser with no capabilities, a read-only system,
// no home directories, private /tmp and IPC, private devices and users
// under TCG (/dev/kvm alone, group kvm, under KVM), and a system call
// filter: `systemd-analyze security --offline=true` rates it 1.3 under TCG
// and 1.6 under KVM (the tests hold every case to 5.0 or lower).
// MemoryDenyWriteExecute= is left out: the TCG JIT writes, then runs, code;
// seccomp(2) is allowed beside @system-service, since qemu offers -sandbox
// only when it can call it. Under real systemd (the shared nspawn harness)
// a kernel guest boots under TCG with this unit, serves its forwarded port,
// reads a virtfs share, and powers down through `bootstage vm stop`.
// Boot files need only be readable by all. A disk opened for writing
// (snapshot = false) is named in ReadWritePaths=, but it must also be
// writable by the dynamic user, whose UID is not known in advance: prefer
// snapshot = true.
package qemu
