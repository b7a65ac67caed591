package units_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bootstage/bootstage/units"
	"github.com/bootstage/bootstage/units/unitstest"
)

// hostileArgs are command-line arguments that need each of the escapes
// Exec does: specifiers, "$", both quotes, backslashes (a trailing one
// too), ";" alone and inside, empty, blanks, comment starters, escapes
// that systemd would decode if they were left as they are.
var hostileArgs = []string{
	"plain", "", " ", "a b", "\t", "tab\there", "%n", "%%", "100%", "%", "$HOME", "$$", "${X}", "$",
	`"`, `'`, `"'"`, `a"b`, `\`, `a\`, `\\`, `\n`, `\x41`, `\;`, ";", "a;b", ";x", "#", "#x", "a#b",
	"-", "--x=y", "é", "\xff", "\x01\x7f", "\v\f", "=", "A=B", "[Unit]", "[x]\\", "ExecStart=/bin/sh",
}

// render writes f and reads it back as systemd does.
func render(t *testing.T, f *units.File) *unitstest.Unit {
	t.Helper()
	if err := f.Err(); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	u, err := unitstest.Parse(string(f.Bytes()))
	if err != nil {
		t.Fatalf("reading back:\n%s\n%v", f.Bytes(), err)
	}
	return u
}

// sameAsModel checks that u, read back from f, has exactly f's sections
// and assignments (see unitstest.Check).
func sameAsModel(t testing.TB, f *units.File, _ *unitstest.Unit) {
	t.Helper()
	if _, err := unitstest.Check(f); err != nil {
		t.Fatal(err)
	}
}

func TestExecRoundTrip(t *testing.T) {
	t.Parallel()
	f := units.NewFile("x.service")
	s := f.Section("Service")
	argv := append([]string{"/bin/echo"}, hostileArgs...)
	s.Exec("ExecStart", "", argv[:3], argv[3:10], argv[10:])
	s.Exec("ExecStopPost", "-", argv)
	u := render(t, f)
	sameAsModel(t, f, u)
	for i, want := range []string{"", "-"} {
		v := u.Entries[i].Value
		cmd, err := unitstest.DecodeExec(v, nil)
		if err != nil || cmd.Prefix != want || !reflect.DeepEqual(cmd.Argv, argv) {
			t.Errorf("%s decodes to %q %q, %v; want %q %q", v, cmd.Prefix, cmd.Argv, err, want, argv)
		}
	}
}

func TestExecRefuses(t *testing.T) {
	t.Parallel()
	for name, argv := range map[string][]string{
		"newline":       {"/bin/echo", "a\nb"},
		"carriage ret.": {"/bin/echo", "a\rb"},
		"NUL":           {"/bin/echo", "a\x00b"},
		"relative":      {"echo", "x"},
		"empty":         {},
	} {
		f := units.NewFile("x.service")
		f.Section("Service").Exec("ExecStart", "", argv)
		if f.Err() == nil {
			t.Errorf("%s: Exec(%q) accepted:\n%s", name, argv, f.Bytes())
		}
	}
}

func TestSpecifiers(t *testing.T) {
	t.Parallel()
	f := units.NewFile("x.service")
	f.Section("Service").Exec("ExecStart", "", []string{"/bin/podman", units.Specifiers("--cidfile=%t/%N.cid"), "100%", units.Specifiers("$x %n")})
	v := render(t, f).Entries[0].Value
	cmd, err := unitstest.DecodeExec(v, unitstest.Specifiers{'t': "/run", 'N': "x", 'n': "x.service"})
	want := []string{"/bin/podman", "--cidfile=/run/x.cid", "100%", "$x x.service"}
	if err != nil || !reflect.DeepEqual(cmd.Argv, want) {
		t.Errorf("%s decodes to %q, %v; want %q", v, cmd.Argv, err, want)
	}
	// configuration cannot pass for a marked argument: NUL is refused
	f = units.NewFile("y.service")
	f.Section("Service").Exec("ExecStart", "", []string{"/bin/x", "\x00bootstage-specifiers:%t"})
	if f.Err() == nil {
		t.Errorf("a NUL-led argument was taken as a marked one: %s", f.Bytes())
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"50% of $HOME", `a "quoted" 'x'`, `back\slash`, "semi;colon", "#hash", "%%", "tab\tin"} {
		f := units.NewFile("x.service")
		f.Section("Unit").Text("Description", in)
		u := render(t, f)
		sameAsModel(t, f, u)
		if got, err := unitstest.DecodeText(u.Entries[0].Value, nil); err != nil || got != in {
			t.Errorf("Text(%q) reads back as %q, %v", in, got, err)
		}
	}
	for in, want := range map[string]error{
		`ends\`: units.ErrTrailingBackslash, "a\nb": units.ErrControl, "a\rb": units.ErrControl, "a\x00": units.ErrControl,
	} {
		f := units.NewFile("x.service")
		f.Section("Unit").Text("Description", in)
		if !errors.Is(f.Err(), want) {
			t.Errorf("Text(%q): %v, want %v", in, f.Err(), want)
		}
	}
}

// TestTextSurroundingBlanks: systemd strips blanks around a value, so a
// Text value that starts or ends with one does not come back.
func TestTextSurroundingBlanks(t *testing.T) {
	t.Parallel()
	for _, in := range []string{" lead", "trail ", "\ttab"} {
		f := units.NewFile("x.service")
		f.Section("Service").Text("ReadWritePaths", in)
		if f.Err() != nil {
			continue // refused: fine
		}
		u := render(t, f)
		if got, _ := unitstest.DecodeText(u.Entries[0].Value, nil); got != in {
			t.Errorf("Text(%q) is accepted but systemd reads %q", in, got)
		}
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	for _, v := range append([]string{"x y", `a\b"c`, "100%", "$HOME", "é"}, hostileArgs...) {
		f := units.NewFile("x.service")
		f.Section("Service").Env("NAME_1", v)
		if !utf8.ValidString(v) {
			// systemd drops an assignment that is not UTF-8, escaped or not
			if !errors.Is(f.Err(), units.ErrNotUTF8) {
				t.Errorf("Env(NAME_1, %q): %v, want ErrNotUTF8", v, f.Err())
			}
			continue
		}
		u := render(t, f)
		sameAsModel(t, f, u)
		got, err := unitstest.DecodeEnv(u.Entries[0].Value, nil)
		if err != nil || !reflect.DeepEqual(got, []string{"NAME_1=" + v}) {
			t.Errorf("Env(NAME_1, %q) reads back as %q, %v", v, got, err)
		}
	}
	for _, name := range []string{"", "A=B", "A B", "A\tB"} {
		f := units.NewFile("x.service")
		f.Section("Service").Env(name, "v")
		if f.Err() == nil {
			t.Errorf("Env(%q) accepted", name)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	f := units.NewFile("x.target")
	u := f.Section("Unit")
	u.Names("Wants", "a.service", `b\x2fc.service`, "bootstage-core.target")
	u.Names("After") // nothing for an empty list
	got := render(t, f)
	sameAsModel(t, f, got)
	if len(got.Entries) != 1 || got.Entries[0].Value != `a.service b\x2fc.service bootstage-core.target` {
		t.Errorf("Names: %+v", got.Entries)
	}
	for _, bad := range []string{"", "a b", "%n.service", "$x.service", `"q".service`, "a\n", strings.Repeat("a", 256)} {
		f := units.NewFile("x.target")
		f.Section("Unit").Names("Wants", "ok.service", bad)
		if f.Err() == nil {
			t.Errorf("Names(%q) accepted", bad)
		}
	}
}

func TestLiteralAndHeader(t *testing.T) {
	t.Parallel()
	f := units.NewFile("x.service", "from /etc/x\n[Service]\nExecStart=/bin/evil", "second line\r")
	s := f.Section("Service")
	s.Literal("Environment", "PODMAN_SYSTEMD_UNIT=%n")
	s.Literal("CapabilityBoundingSet", "")
	u := render(t, f)
	sameAsModel(t, f, u)
	if v := u.Lookup("Service", "Environment"); len(v) != 1 || v[0] != "PODMAN_SYSTEMD_UNIT=%n" {
		t.Errorf("Literal: %q", v)
	}
	f = units.NewFile("y.service")
	f.Section("Service").Literal("Type", "a\nb")
	if !errors.Is(f.Err(), units.ErrControl) {
		t.Errorf("Literal with a newline: %v", f.Err())
	}
}

// TestDeterministic: the same calls give the same bytes.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	build := func() []byte {
		f := units.NewFile("x.service", "h")
		f.Section("Unit").Text("Description", "d")
		f.Section("Service").Exec("ExecStart", "", []string{"/bin/a"}, hostileArgs)
		f.Section("Unit").Names("After", "b.service")
		return f.Bytes()
	}
	if a, b := build(), build(); string(a) != string(b) {
		t.Errorf("not byte-identical:\n%s\n%s", a, b)
	}
}

// FuzzExecRoundTrip: any argv comes back from the rendered unit, or is
// refused. args is split on NUL; groups says how many arguments go on
// each line.
func FuzzExecRoundTrip(f *testing.F) {
	f.Add(strings.Join(hostileArgs, "\x00"), uint8(3))
	f.Add("a\x00\x00b c\x00$$\x00%%\x00\\", uint8(1))
	f.Add("#comment\x00;\x00\\;", uint8(0))
	f.Fuzz(func(t *testing.T, joined string, per uint8) {
		args := append([]string{"/usr/bin/x"}, strings.Split(joined, "\x00")...)
		n := int(per%5) + 1
		var groups [][]string
		for i := 0; i < len(args); i += n {
			groups = append(groups, args[i:min(i+n, len(args))])
		}
		file := units.NewFile("x.service")
		file.Section("Service").Exec("ExecStart", "", groups...)
		if strings.ContainsAny(joined, "\n\r") {
			if file.Err() == nil {
				t.Fatalf("accepted a line break: %q", file.Bytes())
			}
			return
		}
		u := render(t, file)
		sameAsModel(t, file, u)
		cmd, err := unitstest.DecodeExec(u.Entries[0].Value, nil)
		if err != nil || !reflect.DeepEqual(cmd.Argv, args) {
			t.Fatalf("%q\ndecodes to %q, %v\nwant %q", file.Bytes(), cmd.Argv, err, args)
		}
	})
}

// FuzzText: a Text value comes back as given, or is refused.
func FuzzText(f *testing.F) {
	for _, a := range hostileArgs {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, v string) {
		file := units.NewFile("x.service")
		file.Section("Unit").Text("Description", v)
		if file.Err() != nil {
			return
		}
		u := render(t, file)
		sameAsModel(t, file, u)
		if got, err := unitstest.DecodeText(u.Entries[0].Value, nil); err != nil || got != v {
			t.Fatalf("Text(%q) reads back as %q, %v", v, got, err)
		}
	})
}

// TestVerify has systemd itself load units written with every hostile
// value: `systemd-analyze verify` must load them with no complaint.
func TestVerify(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	var names []string
	var valid []string // non-UTF-8 is TestNonUTF8's
	for _, a := range hostileArgs {
		if utf8.ValidString(a) {
			valid = append(valid, a)
		}
	}
	for i, group := range [][]string{valid[:14], valid[14:30], valid[30:]} {
		f := units.NewFile("hostile"+string(rune('a'+i))+".service", "header with \\ and %")
		u := f.Section("Unit")
		u.Text("Description", strings.Join(group, " | ")+" end")
		s := f.Section("Service")
		s.Literal("Type", "oneshot")
		for j, v := range group {
			s.Env("V"+string(rune('A'+j)), v)
		}
		s.Exec("ExecStart", "", append([]string{"/bin/echo"}, group...), group)
		s.Exec("ExecStartPost", "-", []string{"/bin/true"}, group)
		render(t, f)
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Join(dir, f.Name))
	}
	// Exec escapes what is not UTF-8, so it takes every argument
	f := units.NewFile("hostiled.service")
	s := f.Section("Service")
	s.Literal("Type", "oneshot")
	s.Exec("ExecStart", "", append([]string{"/bin/echo"}, hostileArgs...), []string{"\xff", "\xc3("})
	render(t, f)
	if err := os.WriteFile(filepath.Join(dir, f.Name), f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	names = append(names, filepath.Join(dir, f.Name))
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, names...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestNonUTF8: systemd 252 refuses to load a whole unit when any
// assignment is not UTF-8 clean ("String is not UTF-8 clean", then "failed
// to load properly"); only comments may be. Settings that cannot escape
// such a byte must refuse it; Exec writes it as \xNN, which systemd reads
// back to the byte.
func TestNonUTF8(t *testing.T) {
	t.Parallel()
	for name, set := range map[string]func(*units.Section){
		"Text":    func(s *units.Section) { s.Text("Description", "a\xffb") },
		"Env":     func(s *units.Section) { s.Env("A", "a\xffb") },
		"Literal": func(s *units.Section) { s.Literal("Type", "a\xffb") },
		"Names":   func(s *units.Section) { s.Names("After", "a\xffb.service") },
	} {
		f := units.NewFile("x.service")
		set(f.Section("Service"))
		if !errors.Is(f.Err(), units.ErrNotUTF8) {
			t.Errorf("%s: %v, want ErrNotUTF8:\n%s", name, f.Err(), f.Bytes())
		}
	}
	f := units.NewFile("x.service")
	argv := []string{"/bin/echo", "a\xffb", "\xc3", "é\x80"}
	f.Section("Service").Exec("ExecStart", "", argv)
	u := render(t, f)
	if !utf8.Valid(f.Bytes()) {
		t.Errorf("Exec wrote bytes that are not UTF-8:\n%q", f.Bytes())
	}
	if cmd, err := unitstest.DecodeExec(u.Entries[0].Value, nil); err != nil || !reflect.DeepEqual(cmd.Argv, argv) {
		t.Errorf("%q decodes to %q, %v; want %q", u.Entries[0].Value, cmd.Argv, err, argv)
	}
}
