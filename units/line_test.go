package units_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/units"
	"github.com/bootstage/bootstage/units/unitstest"
)

// longExec is a unit whose ExecStart=, with its one continuation line
// joined as systemd joins it, is n bytes long.
func longExec(name string, n int) *units.File {
	f := units.NewFile(name)
	s := f.Section("Service")
	s.Literal("Type", "oneshot")
	const fixed = len("ExecStart=/bin/true ") + len(" \\        ") + 100
	s.Exec("ExecStart", "", []string{"/bin/true", strings.Repeat("x", n-fixed)}, []string{strings.Repeat("y", 100)})
	return f
}

// No unit line exceeds what systemd reads: a setting whose line would is
// refused, and the file reports it; one byte less is written and reads back.
func TestLineLimit(t *testing.T) {
	t.Parallel()
	ok := longExec("ok.service", units.MaxLineLen)
	u := render(t, ok)
	if v := u.Lookup("Service", "ExecStart"); len(v) != 1 {
		t.Fatalf("ExecStart: %d entries", len(v))
	}
	long := longExec("long.service", units.MaxLineLen+1)
	want := "long.service: ExecStart=: line too long: 1048576 bytes, systemd reads at most 1048575"
	if err := long.Err(); !errors.Is(err, units.ErrLineTooLong) || err.Error() != want {
		t.Errorf("Err() = %v, want %s", err, want)
	}
	if strings.Contains(string(long.Bytes()), "ExecStart") {
		t.Error("the refused line was written")
	}
}

// unitstest reads as systemd does: a line of LONG_LINE_MAX bytes, or
// continuation lines joined to more than that, fail the file.
func TestParseLineLimit(t *testing.T) {
	t.Parallel()
	const max = 1 << 20
	for _, tc := range []struct {
		text, err string
	}{
		{"[Service]\nX=" + strings.Repeat("a", max-3) + "\n", ""},
		{"[Service]\nX=" + strings.Repeat("a", max-2) + "\n", "line 2: Line too long"},
		{"[Service]\nX=a \\\n" + strings.Repeat("b", max-len("X=a  ")) + "\n", ""},
		{"[Service]\nX=a \\\n" + strings.Repeat("b", max-len("X=a  ")+1) + "\n", "line 3: Continuation line too long"},
	} {
		_, err := unitstest.Parse(tc.text)
		if got := errString(err); got != tc.err {
			t.Errorf("Parse(%d bytes) = %q, want %q", len(tc.text), got, tc.err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A list of unit names too long for one line is spread over several lines
// of the same key, each within the limit, the names in order.
func TestNamesSplitLongLists(t *testing.T) {
	t.Parallel()
	f := units.NewFile("many.target")
	var names []string
	for i := 0; i < 5000; i++ {
		names = append(names, fmt.Sprintf("%s-%04d.service", strings.Repeat("n", 240), i))
	}
	f.Section("Unit").Names("Wants", names...)
	u := render(t, f)
	lines := u.Lookup("Unit", "Wants")
	if len(lines) != 2 {
		t.Fatalf("%d Wants= lines, want 2", len(lines))
	}
	var got []string
	for _, l := range lines {
		if len("Wants=")+len(l) > units.MaxLineLen {
			t.Errorf("a Wants= line of %d bytes", len("Wants=")+len(l))
		}
		got = append(got, strings.Fields(l)...)
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Error("the names changed on the way")
	}
}

// systemd itself loads the longest line bootstage writes.
func TestVerifyLongestLine(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	t.Parallel()
	f := longExec("longest.service", units.MaxLineLen)
	path := filepath.Join(t.TempDir(), f.Name)
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("systemd-analyze", "verify", "--man=no", path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
