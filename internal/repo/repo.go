// Package repo finds what bootstage's tests use from the checkout: the
// module root, and the Nanos files beside it. Only tests and the e2e
// harness use it.
package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// NanosEnv names a directory holding Nanos's kernel.img, boot.img and mkfs,
// in place of NanosDir's default.
const NanosEnv = "BOOTSTAGE_NANOS_DIR"

// Root is the directory of bootstage's go.mod, found upwards from the
// working directory (a test's is its package directory).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// NanosDir is where the tests find Nanos's files: $BOOTSTAGE_NANOS_DIR,
// else shared/nanos beside the checkout (ROOT/../shared/nanos), as CI
// places a copy of shared/. It is an error, never a reason to skip, when
// the files are not there.
func NanosDir() (string, error) {
	dir := os.Getenv(NanosEnv)
	if dir == "" {
		root, err := Root()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(filepath.Dir(root), "shared", "nanos")
	}
	for _, f := range []string{"kernel.img", "boot.img", "mkfs"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return "", fmt.Errorf("Nanos's %s is not in %s (the tests need shared/nanos beside the checkout, or %s): %w",
				f, dir, NanosEnv, err)
		}
	}
	return dir, nil
}
