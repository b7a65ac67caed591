package generator

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWriteFile writes a unit each way writeFile can: linked from an
// unnamed file into an empty slot, replacing a file that is there, and the
// classic temporary name and rename, as on a file system without
// O_TMPFILE. Each leaves exactly the content, mode 0644 under the umask,
// and no temporary file behind.
func TestWriteFile(t *testing.T) {
	t.Parallel()
	defer noTmpfile.Store(noTmpfile.Load())
	for _, tc := range []struct {
		name     string
		existing bool
		classic  bool
	}{
		{"new", false, false},
		{"replace", true, false},
		{"classic", false, true},
		{"classic-replace", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noTmpfile.Store(tc.classic)
			dir := t.TempDir()
			path := filepath.Join(dir, "web-api.service")
			if tc.existing {
				if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := writeFile(path, []byte("[Unit]\n")); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != "[Unit]\n" {
				t.Fatalf("content %q, %v", got, err)
			}
			umask := syscall.Umask(0)
			syscall.Umask(umask)
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644&^os.FileMode(umask) {
				t.Errorf("mode %v, umask %03o", fi.Mode(), umask)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
			if noTmpfile.Load() != tc.classic && tmpfileWorks(dir) {
				t.Errorf("the fast way was given up after writing %s", tc.name)
			}
		})
	}
}

// tmpfileWorks reports whether dir's file system takes O_TMPFILE at all.
func tmpfileWorks(dir string) bool {
	fd, err := syscall.Open(dir, unix.O_TMPFILE|syscall.O_WRONLY, 0o600)
	if err == nil {
		syscall.Close(fd)
	}
	return err == nil
}
