package generator

import (
	"os"
	"path/filepath"
	"testing"
)

// KVM is probed (which opens /dev/kvm) only when a VM leaves the choice to
// accel = "auto": a node of containers alone never touches it at boot.
func TestKVMProbedOnlyForAutoAccel(t *testing.T) {
	t.Parallel()
	probes := 0
	detect := func() (bool, string) { probes++; return true, "test" }
	for _, c := range []struct {
		service    string
		wantProbes int
	}{
		{"[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n", 0},
		{"[[components]]\nruntime = \"qemu\"\nkernel = \"/k\"\nmemory_mb = 64\naccel = \"tcg\"\nhealth.check = \"none\"\n", 0},
		{"[[components]]\nruntime = \"qemu\"\nkernel = \"/k\"\nmemory_mb = 64\nhealth.check = \"none\"\n", 1},
	} {
		probes = 0
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "services"), 0o755)
		os.WriteFile(filepath.Join(dir, "services", "s.toml"), []byte(c.service), 0o644)
		out, err := Generate(Options{ConfigPath: []string{dir}, Hostname: "n", DetectKVM: detect})
		if err != nil {
			t.Fatal(err)
		}
		if probes != c.wantProbes || out.Host.KVM != (c.wantProbes == 1) {
			t.Errorf("%q: %d probes, KVM %v; want %d", c.service, probes, out.Host.KVM, c.wantProbes)
		}
	}
}
