package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bootstage/bootstage/internal/repo"
)

// The installed paths of the binaries (DESIGN §1, the planned defaults).
const (
	GeneratorPath = "/usr/lib/systemd/system-generators/bootstage-generator"
	HealthdPath   = "/usr/libexec/bootstage/bootstage-healthd"
	CLIPath       = "/usr/bin/bootstage"
	ConfigDir     = "/etc/bootstage"
)

var binaries = []struct{ pkg, path string }{
	{"./cmd/bootstage", CLIPath},
	{"./cmd/bootstage-generator", GeneratorPath},
	{"./cmd/bootstage-healthd", HealthdPath},
}

// ModuleRoot is the directory of bootstage's go.mod, found upwards from the
// working directory (a test's is its package directory).
func ModuleRoot() (string, error) { return repo.Root() }

// BuildTree builds the three binaries (go build -trimpath, static, with
// the grpcnotrace tag the packages use: see meson.build) into the
// DESTDIR tree destdir at their installed paths and, when example is not
// "", copies contrib/examples/EXAMPLE to etc/bootstage and runs its
// build script, if it has one (see exampleBuild).
func BuildTree(destdir, example string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	for _, b := range binaries {
		out := filepath.Join(destdir, b.path)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		cmd := exec.Command(goTool(), "build", "-trimpath", "-tags", "grpcnotrace", "-o", out, b.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", b.pkg, err, msg)
		}
	}
	if example == "" {
		return nil
	}
	src := filepath.Join(root, "contrib", "examples", example)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("example stack %q: %w", example, err)
	}
	dst := filepath.Join(destdir, ConfigDir)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == exampleBuild || e.Name() == exampleSources {
			continue // how the example is built, not its config
		}
		if msg, err := exec.Command("cp", "-R", filepath.Join(src, e.Name()), dst).CombinedOutput(); err != nil {
			return fmt.Errorf("copy example %s: %w\n%s", example, err, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(src, exampleBuild)); err != nil {
		return nil
	}
	cmd := exec.Command(filepath.Join(src, exampleBuild), destdir)
	cmd.Env = append(os.Environ(), "GO="+goTool())
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build example %s: %s %s: %w\n%s", example, exampleBuild, destdir, err, msg)
	}
	return nil
}

// An example may need programs of its own (the unikernel example's server):
// it keeps their sources in exampleSources and builds them, with whatever
// else its services expect, into the DESTDIR its exampleBuild script is
// given. Neither is copied to the config directory.
const (
	exampleBuild   = "build.sh"
	exampleSources = "src"
)

// NanosDir is where Nanos's kernel.img, boot.img and mkfs are installed
// in a machine: the first default directory of DESIGN §8.
const NanosDir = "/usr/lib/nanos"

// InstallNanos copies Nanos's files from shared/nanos beside the checkout
// (or $BOOTSTAGE_NANOS_DIR) into the DESTDIR tree destdir, at NanosDir. It
// fails when they are not there: a unikernel test without them proves
// nothing.
func InstallNanos(destdir string) error {
	src, err := repo.NanosDir()
	if err != nil {
		return err
	}
	dst := filepath.Join(destdir, NanosDir)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{{"kernel.img", 0o644}, {"boot.img", 0o644}, {"mkfs", 0o755}} {
		b, err := os.ReadFile(filepath.Join(src, f.name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, f.name), b, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// Tree is BuildTree into a new temporary directory of t, which it returns.
// Directories in the tree are 0755, so Install leaves the machine's alone.
func Tree(t testing.TB, example string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := BuildTree(dir, example); err != nil {
		t.Fatal(err)
	}
	return dir
}

// goTool is the go command: on PATH, else the one that built this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, p := range []string{filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}
