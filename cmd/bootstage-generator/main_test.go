package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// hostileFiles are service files of about a megabyte, each built to make a
// parser recurse, or keep memory per value or per level of nesting, and
// the line bootstage-generator logs for each. (The one long string is
// valid TOML: what becomes of it is the unit builders' to say.)
func hostileFiles() (files map[string]string, want []string) {
	const mib = 1 << 20
	head := "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n"
	n := (mib - len(head) - 10) / 2
	var keys strings.Builder
	keys.WriteString(head)
	for i := 0; keys.Len() < mib-20; i++ {
		fmt.Fprintf(&keys, "k%07d = 1\n", i)
	}
	files = map[string]string{
		"services/arrays.toml":    head + "cmd = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
		"services/tables.toml":    head + "env = " + strings.Repeat("{a=", n/2) + "1" + strings.Repeat("}", n/2) + "\n",
		"services/dotted.toml":    head + "a" + strings.Repeat(".a", n) + " = 1\n",
		"services/keys.toml":      keys.String(),
		"services/elements.toml":  head + "cmd = [" + strings.Repeat("1,", n) + "]\n",
		"services/oversize.toml":  head + "# " + strings.Repeat("x", 2*mib) + "\n",
		"services/string.toml":    head + "cmd = [\"" + strings.Repeat("x", mib-len(head)-20) + "\"]\n",
		"services/good.toml":      good,
		"services/also-good.toml": strings.Replace(good, "127.0.0.1:1:1", "127.0.0.1:2:2", 1), // its own port: two files on one port clash
	}
	deep := "components[0].cmd" + strings.Repeat("[0]", 30)
	want = []string{
		"services/arrays.toml:4:37: " + deep + ": nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)",
		"services/dotted.toml:4:61: components[0]" + strings.Repeat(".a", 31) + ": nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)",
		"services/elements.toml:4:19996: components[0].cmd[9994]: more than 10000 keys, tables and array elements: expected fewer (a service file has some dozens; split a list this long into files)",
		"services/keys.toml:9999:1: components[0].k0009995: more than 10000 keys, tables and array elements: expected fewer (a service file has some dozens; split a list this long into files)",
		"services/oversize.toml:4:1048528: file larger than 1 MiB: expected a few kilobytes (reading stopped here; is this the file you meant?)",
		"services/tables.toml:4:95: components[0].env" + strings.Repeat(".a", 30) + ": nested 33 levels deep: expected at most 32 (keys, tables and arrays inside one another; bootstage's own settings nest five deep)",
	}
	return files, want
}

// asLimit is the address space the generator runs in below: Go reserves
// some 750 MiB of it at start (mostly never touched), so this leaves it
// about 270 MiB, where one of the hostile files used to take from 440 MB
// to all there is.
const asLimit = 1 << 30

// TestHostileFilesUnderAddressSpaceLimit runs the generator binary, under
// prlimit --as, on a tree of megabyte files built to exhaust a parser's
// memory beside two good services: it must exit 1, having logged each
// file's one problem and written every unit, the hostile files' failing
// stand-ins included. The binary is built without cgo, as
// bench/generator.sh builds it: with cgo every OS thread also reserves a
// C stack and a 64 MiB malloc arena, and the address space then depends
// on how many threads the run happened to start.
func TestHostileFilesUnderAddressSpaceLimit(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "bootstage-generator")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	files, want := hostileFiles()
	cfg := configTree(t, files)
	out := t.TempDir()
	cmd := exec.Command(prlimit, fmt.Sprintf("--as=%d", asLimit), bin, out)
	cmd.Env = append(os.Environ(), "BOOTSTAGE_CONFIG_PATH="+cfg)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; log:\n%.2000s", err, log.String())
	}
	got := strings.Split(strings.TrimSuffix(strings.ReplaceAll(log.String(), "bootstage-generator: "+cfg+"/", ""), "\n"), "\n")
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("log lacks %q", w)
		}
	}
	for _, line := range got {
		if strings.Contains(line, "good.toml") {
			t.Errorf("a good file has a problem: %.300s", line)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%.4000s", strings.Join(got, "\n"))
	}
	for name := range files {
		unit := strings.TrimSuffix(filepath.Base(name), ".toml") + ".service"
		if _, err := os.Stat(filepath.Join(out, unit)); err != nil {
			t.Errorf("%s not written: %v", unit, err)
		}
	}
}
