package unitstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	text := "# head \\\n[Unit]\nDescription= a b \\\n# a comment inside is skipped\n   c\r\n; other comment\nAfter=x\\\\\n[Service]\rExecStart=/bin/x \\\n  y\n"
	u, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{"Unit", "Description", "a b     c", 3},
		{"Unit", "After", `x\\`, 7},
		{"Service", "ExecStart", "/bin/x    y", 9},
	}
	if !reflect.DeepEqual(u.Entries, want) || !reflect.DeepEqual(u.Sections, []string{"Unit", "Service"}) {
		t.Errorf("got %q %+v", u.Sections, u.Entries)
	}
	for _, bad := range []string{"Key=x\n", "[Unit\n", "[Unit]\nno equals\n"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestDecodeExec(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`/bin/a "b c" d'e f'g`:      {"/bin/a", "b c", "de fg"},
		`-/bin/a "" \x41 "\t" '\''`: {"/bin/a", "", "A", "\t", "'"},
		`/bin/a %% $$ "%%n"`:        {"/bin/a", "%", "$", "%n"},
		`/bin/a "x;" ";"`:           {"/bin/a", "x;", ";"},
		`/bin/a \u00e9 \101`:        {"/bin/a", "é", "A"},
	} {
		cmd, err := DecodeExec(in, nil)
		if err != nil || !reflect.DeepEqual(cmd.Argv, want) {
			t.Errorf("DecodeExec(%s) = %q, %v; want %q", in, cmd.Argv, err, want)
		}
	}
	for _, bad := range []string{`/bin/a "open`, `/bin/a \q`, `/bin/a %z`, `/bin/a $X`, `/bin/a ; /bin/b`, `a/b`, `"/bin/a\\"`, `/bin/a \x00`, `/bin/a "\;"`, `/bin/a \;`} {
		if cmd, err := DecodeExec(bad, nil); err == nil {
			t.Errorf("DecodeExec(%s) = %q, want an error", bad, cmd.Argv)
		}
	}
}

// TestAgreesWithSystemd has systemd load ExecStart= values the decoder
// reads or refuses: systemd must load the unit silently exactly when the
// decoder reads the value. (Cases where the decoder is stricter on purpose,
// "$VAR" and ";", are left out.)
func TestAgreesWithSystemd(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	cases := []string{
		`/bin/echo "a b" 'c d' e"f"g`, `/bin/echo "unbalanced`, `/bin/echo \q`, `/bin/echo "\q"`,
		`/bin/echo %z`, `/bin/echo %%z`, `/bin/echo "\x41\101\u00e9"`, `/bin/echo \x00`,
		`/bin/echo "tab	in" "" ""`, `/bin/echo \`, `/bin/echo "a\\" b`,
	}
	dir := t.TempDir()
	for i, v := range cases {
		name := fmt.Sprintf("c%d.service", i)
		unit := "[Service]\nType=oneshot\nExecStart=" + v + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("systemd-analyze", "verify", "--man=no", filepath.Join(dir, name)).CombinedOutput()
		systemdOK := err == nil && len(out) == 0
		u, perr := Parse(unit)
		ours := perr
		if perr == nil {
			_, ours = DecodeExec(u.Lookup("Service", "ExecStart")[0], nil)
		}
		if systemdOK != (ours == nil) {
			t.Errorf("ExecStart=%s: systemd ok=%v (%s), decoder: %v", v, systemdOK, out, ours)
		}
	}
}
