package atomicfs

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSymlink makes a link in a missing directory, then replaces it, and
// leaves no temporary link behind.
func TestSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "wants", "bootstage.target")
	for _, target := range []string{"../a.target", "../b.target"} {
		if err := Symlink(target, path); err != nil {
			t.Fatal(err)
		}
		if got, err := os.Readlink(path); err != nil || got != target {
			t.Fatalf("link to %q, %v; want %q", got, err, target)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
