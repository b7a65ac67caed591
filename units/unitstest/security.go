package unitstest

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
)

var exposureLine = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

// Exposure rates the unit file at path as `systemd-analyze security
// --offline=true` does, with the systemd-analyze at analyze, and returns
// the overall exposure level (0 is the most sandboxed, 10 the least) and
// the whole report, for a test to show when the level is too high.
func Exposure(analyze, path string) (float64, []byte, error) {
	// security exits non-zero when it has something to say; the exposure
	// line is the verdict either way.
	out, _ := exec.Command(analyze, "security", "--offline=true", "--no-pager", path).CombinedOutput()
	m := exposureLine.FindSubmatch(out)
	if m == nil {
		return 0, out, fmt.Errorf("no exposure level in systemd-analyze security's report on %s:\n%s", path, out)
	}
	level, err := strconv.ParseFloat(string(m[1]), 64)
	return level, out, err
}
