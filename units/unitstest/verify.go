package unitstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Verify runs `systemd-analyze verify --man=no` (the one at analyze) over
// units, by file name, in a copy under dir. It checks that every
// ExecStart= binary exists, so each path in fake (bootstage's own, not
// installed on a test machine) is replaced by /usr/bin/true in the copy.
// It returns systemd-analyze's complaints, one per line.
func Verify(analyze, dir string, units map[string][]byte, fake ...string) ([]string, error) {
	var names []string
	for name, content := range units {
		for _, own := range fake {
			content = []byte(strings.ReplaceAll(string(content), own, "/usr/bin/true"))
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, names...)...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput() // non-zero when it complains: the lines say
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}
