package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func configTree(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const good = "[[components]]\nimage = \"x\"\nports = [\"127.0.0.1:1:1\"]\n"

// systemd calls a generator with three directories; it writes only the
// first (normal) one, and exits 0 when every file was good.
func TestGeneratorContract(t *testing.T) {
	t.Setenv("BOOTSTAGE_CONFIG_PATH", configTree(t, map[string]string{"services/web.toml": good}))
	normal, early, late := t.TempDir(), t.TempDir(), t.TempDir()
	var log bytes.Buffer
	if code := run([]string{normal, early, late}, &log); code != 0 {
		t.Fatalf("exit %d, log:\n%s", code, log.String())
	}
	for _, name := range []string{"web.service", "bootstage-default.target", "bootstage-default-gate.service", "bootstage.target"} {
		if _, err := os.Stat(filepath.Join(normal, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(normal, "multi-user.target.wants", "bootstage.target")); err != nil || target != "../bootstage.target" {
		t.Errorf("multi-user.target.wants link: %q, %v", target, err)
	}
	for _, d := range []string{early, late} {
		if entries, _ := os.ReadDir(d); len(entries) > 0 {
			t.Errorf("%s was written to: %v", d, entries)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(normal, "*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// A bad file is logged and still gets its (failing) unit; the good ones
// are written as usual; the exit code says something was wrong.
func TestGeneratorBadFile(t *testing.T) {
	t.Setenv("BOOTSTAGE_CONFIG_PATH", configTree(t, map[string]string{
		"services/web.toml": good,
		"services/bad.toml": "[[components]]\nimage = 3\n",
	}))
	out := t.TempDir()
	var log bytes.Buffer
	if code := run([]string{out}, &log); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(log.String(), "bad.toml:2:9: components[0].image: expected a string, got integer 3") {
		t.Errorf("log does not name file:line:col: %s", log.String())
	}
	for _, name := range []string{"web.service", "bad.service"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

func TestGeneratorUsage(t *testing.T) {
	var log bytes.Buffer
	if code := run(nil, &log); code != 2 || !strings.Contains(log.String(), "usage") {
		t.Errorf("no arguments: exit %d, log %q", code, log.String())
	}
}

// TestGeneratorVersion: the build stamps main.version (meson.build), and
// the operator asks the binary which one it is.
func TestGeneratorVersion(t *testing.T) {
	var log bytes.Buffer
	if code := run([]string{"--version"}, &log); code != 0 || log.Len() > 0 {
		t.Errorf("--version: exit %d, log %q", code, log.String())
	}
}

// Run twice into the same directory (as at every daemon-reload): the
// second run replaces the files in place.
func TestGeneratorRerun(t *testing.T) {
	t.Setenv("BOOTSTAGE_CONFIG_PATH", configTree(t, map[string]string{"services/web.toml": good}))
	out := t.TempDir()
	for i := 0; i < 2; i++ {
		if code := run([]string{out}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("run %d: exit %d", i, code)
		}
	}
}

// The generator runs at every boot: it links neither VM control (go-qemu,
// go-libvirt) nor gRPC, which only the command line and the gate need.
func TestGeneratorLinksNoVMControlOrGRPC(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/digitalocean/go-qemu", "github.com/digitalocean/go-libvirt", "google.golang.org/grpc", "github.com/bootstage/bootstage/vm"} {
			if (dep == banned || strings.HasPrefix(dep, banned+"/")) && dep != "github.com/bootstage/bootstage/vm/kvm" {
				t.Errorf("bootstage-generator depends on %s", dep)
			}
		}
	}
}
