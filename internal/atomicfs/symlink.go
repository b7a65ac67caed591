// Package atomicfs replaces files so that a reader sees the old one or the
// new one, never a gap or a half: systemd reading the generator's output,
// a VM unit starting on an image link that `bootstage vm prepare` moves.
package atomicfs

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Symlink points path at target, replacing whatever path was, and makes
// path's directory if need be. The link is made under a temporary name
// unique to this process and call, then renamed over path, so concurrent
// callers never share or remove each other's temporary link.
func Symlink(target, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("linking %s: %w", path, err)
	}
	tmp := fmt.Sprintf("%s.bootstage-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("linking %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("linking %s: %w", path, err)
	}
	return nil
}
