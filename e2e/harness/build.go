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
// "", copies contrib/examples/EXAMPLE to etc/bootstage.
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
	if msg, err := exec.Command("cp", "-R", src+"/.", dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copy example %s: %w\n%s", example, err, msg)
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
