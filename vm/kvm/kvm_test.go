package kvm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot builds /proc/cpuinfo and /sys/module/NAME for detect.
func fakeRoot(t *testing.T, flags string, modules ...string) string {
	root := t.TempDir()
	cpuinfo := "processor\t: 0\nmodel name\t: test\nflags\t\t: " + flags + "\n\nprocessor\t: 1\nflags\t\t: " + flags + "\n"
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/cpuinfo"), []byte(cpuinfo), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range append(modules, "kvm") {
		if err := os.MkdirAll(filepath.Join(root, "sys/module", m), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDetectKVMRule(t *testing.T) {
	works := func(string) error { return nil }
	hangs := func(string) error { return errors.New("KVM_CREATE_VM: no such device") }
	cases := []struct {
		name    string
		flags   string
		modules []string
		probe   func(string) error
		want    bool
		reason  string
	}{
		// The build machines: a VM whose /dev/kvm is kvm_pvm and answers
		// every ioctl, but whose CPU shows no vmx/svm.
		{"pvm in a VM", "fpu sse2 hypervisor avx2", []string{"kvm_pvm"}, works, false, "neither vmx nor svm"},
		{"intel host", "fpu vmx sse2", []string{"kvm_intel"}, works, true, "vmx"},
		{"amd nested", "fpu svm hypervisor", []string{"kvm_amd"}, works, true, "svm"},
		{"vmx, module missing", "fpu vmx", nil, works, false, "kvm_intel is not loaded"},
		{"vmx, wrong vendor module", "vmx", []string{"kvm_amd"}, works, false, "kvm_intel is not loaded"},
		{"device fails", "svm", []string{"kvm_amd"}, hangs, false, "KVM_CREATE_VM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, reason := detect(fakeRoot(t, c.flags, c.modules...), c.probe)
			if ok != c.want || !strings.Contains(reason, c.reason) {
				t.Errorf("detect = %v, %q; want %v and a reason with %q", ok, reason, c.want, c.reason)
			}
			if !strings.HasPrefix(reason, map[bool]string{true: "yes: ", false: "no: "}[ok]) {
				t.Errorf("reason %q does not start with the answer", reason)
			}
		})
	}
}

func TestDetectKVMNoCPUInfo(t *testing.T) {
	if ok, reason := detect(t.TempDir(), func(string) error { return nil }); ok || !strings.Contains(reason, "cpuinfo") {
		t.Errorf("detect without /proc/cpuinfo = %v, %q", ok, reason)
	}
}

// On this machine the answer is logged, so a run shows what it reports.
func TestDetectKVMHere(t *testing.T) {
	ok, reason := Detect()
	t.Logf("Detect() = %v, %s", ok, reason)
}
