package importer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Tree is an imported configuration: file contents by path relative to
// the configuration directory (stages.toml, services/NAME.toml, ...).
type Tree struct{ Files map[string]string }

func newTree() *Tree { return &Tree{Files: map[string]string{}} }

// Names are the tree's paths, sorted.
func (t *Tree) Names() []string {
	names := make([]string, 0, len(t.Files))
	for n := range t.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Dump prints every file under a `==> NAME <==` heading, as `bootstage
// generate --dry-run` does.
func (t *Tree) Dump(w io.Writer) {
	for i, n := range t.Names() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "==> %s <==\n%s", n, t.Files[n])
	}
}

// Write writes the files into dir, creating the folders they need.
func (t *Tree) Write(dir string) error {
	for _, n := range t.Names() {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(t.Files[n]), 0o644); err != nil {
			return err
		}
	}
	return nil
}
