package kvm

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// The ioctls of linux/kvm.h that Detect issues on /dev/kvm.
const (
	kvmGetAPIVersion = 0xAE00 // _IO(KVMIO, 0x00)
	kvmCreateVM      = 0xAE01 // _IO(KVMIO, 0x01)
	kvmAPIVersion    = 12     // the only stable KVM API version
)

// Detect reports whether hardware-assisted KVM really works on this
// machine, which is what accel = "auto" resolves with, and why, in words fit
// for a log line. The rule is in the package documentation; the generator's
// main calls this once and puts the answer in runtimes.Host.KVM.
func Detect() (ok bool, reason string) {
	return detect("/", openKVM)
}

// detect applies the rule with root as the file system root (for tests)
// and probe standing for the /dev/kvm ioctls.
func detect(root string, probe func(path string) error) (bool, string) {
	flag, err := cpuVirtFlag(filepath.Join(root, "proc/cpuinfo"))
	if err != nil {
		return false, fmt.Sprintf("no: reading CPU flags: %v", err)
	}
	modules := kvmModules(filepath.Join(root, "sys/module"))
	if flag == "" {
		return false, fmt.Sprintf("no: the CPU advertises neither vmx nor svm%s, so /dev/kvm (modules: %s) "+
			"is not hardware virtualization", hypervisorNote(root), listOrNone(modules))
	}
	vendor := map[string]string{"vmx": "kvm_intel", "svm": "kvm_amd"}[flag]
	if !slices.Contains(modules, vendor) {
		return false, fmt.Sprintf("no: the CPU has %s but module %s is not loaded (modules: %s)",
			flag, vendor, listOrNone(modules))
	}
	dev := filepath.Join(root, "dev/kvm")
	if err := probe(dev); err != nil {
		return false, fmt.Sprintf("no: %s with %s, but %v", flag, vendor, err)
	}
	return true, fmt.Sprintf("yes: CPU flag %s, module %s, %s creates VMs", flag, vendor, dev)
}

// cpuVirtFlag returns "vmx" or "svm" when the first CPU's flags list one.
func cpuVirtFlag(cpuinfo string) (string, error) {
	for _, f := range cpuFlags(cpuinfo) {
		if f == "vmx" || f == "svm" {
			return f, nil
		}
	}
	if _, err := os.Stat(cpuinfo); err != nil {
		return "", err
	}
	return "", nil
}

// cpuFlags returns the "flags" of the first processor in cpuinfo.
func cpuFlags(cpuinfo string) []string {
	f, err := os.Open(cpuinfo)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "flags" {
			return strings.Fields(v)
		}
	}
	return nil
}

func hypervisorNote(root string) string {
	if slices.Contains(cpuFlags(filepath.Join(root, "proc/cpuinfo")), "hypervisor") {
		return " (this is a VM without nested virtualization: the hypervisor flag is set)"
	}
	return ""
}

// kvmModules lists the loaded modules whose name starts with "kvm".
func kvmModules(sysModule string) []string {
	entries, _ := os.ReadDir(sysModule)
	var mods []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kvm") {
			mods = append(mods, e.Name())
		}
	}
	return mods
}

// openKVM opens path and checks that it speaks KVM API 12 and creates a VM.
func openKVM(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	v, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), kvmGetAPIVersion, 0)
	if errno != 0 {
		return fmt.Errorf("KVM_GET_API_VERSION on %s: %w", path, errno)
	}
	if v != kvmAPIVersion {
		return fmt.Errorf("%s speaks KVM API %d, not %d", path, v, kvmAPIVersion)
	}
	vm, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), kvmCreateVM, 0)
	if errno != 0 {
		return fmt.Errorf("KVM_CREATE_VM on %s: %w", path, errno)
	}
	return syscall.Close(int(vm))
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
