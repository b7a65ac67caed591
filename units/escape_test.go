package units_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bootstage/bootstage/units"
)

const systemdEscape = "/usr/bin/systemd-escape"

// hostileNames are strings that have tripped name escapers before: tab
// (go-systemd writes \x9), a leading dot, UTF-8, "-", "\", "/", spaces,
// every byte class systemd treats differently.
var hostileNames = []string{
	"plain", "a-b", "-", "--x", "a/b", "/a/b/", "/", "//", "a\tb", "\t",
	".hidden", "..", "a.b", "x.", "é", "日本", "\xff\xfe", "a\\b", `\x2d`,
	"a b", "a:b_c", "@", "tpl@inst", "%n", "$HOME", "a\"b'c", "~", "a\x7fb",
	"a\x01b", "UPPER", "0digit", "semi;colon", "per%cent", "",
}

// realEscape runs systemd-escape on s, or skips the test without it.
func realEscape(t testing.TB, s string) string {
	t.Helper()
	out, err := exec.Command(systemdEscape, "--", s).Output()
	if err != nil {
		t.Fatalf("systemd-escape %q: %v", s, err)
	}
	return strings.TrimSuffix(string(out), "\n")
}

func needSystemdEscape(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(systemdEscape); err != nil {
		t.Skip("systemd-escape is not installed")
	}
}

func TestEscapeMatchesSystemdEscape(t *testing.T) {
	t.Parallel()
	needSystemdEscape(t)
	for _, s := range hostileNames {
		if got, want := units.Escape(s), realEscape(t, s); got != want {
			t.Errorf("Escape(%q) = %q, systemd-escape says %q", s, got, want)
		}
	}
}

// TestEscapeTab pins the case go-systemd gets wrong, without the binary.
func TestEscapeTab(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a\tb": `a\x09b`, ".x": `\x2ex`, "x.y": "x.y", "a/b": "a-b", "a-b": `a\x2db`,
		"é": `\xc3\xa9`, `a\b`: `a\x5cb`, "": "",
	} {
		if got := units.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range hostileNames {
		f.Add(s)
	}
	_, err := exec.LookPath(systemdEscape)
	haveReal := err == nil
	f.Fuzz(func(t *testing.T, s string) {
		got := units.Escape(s)
		for i := 0; i < len(got); i++ {
			if !strings.ContainsRune(`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.\-`, rune(got[i])) {
				t.Fatalf("Escape(%q) = %q holds %q", s, got, got[i])
			}
		}
		if strings.HasPrefix(got, ".") {
			t.Fatalf("Escape(%q) = %q starts with a dot", s, got)
		}
		if back := unescape(t, got); back != strings.ReplaceAll(s, "/", "-") && back != s {
			t.Fatalf("Escape(%q) = %q reads back as %q", s, got, back)
		}
		// an argument cannot hold NUL; systemd-escape costs a fork, so it is
		// asked here rather than over a large table
		if haveReal && !strings.Contains(s, "\x00") {
			if want := realEscape(t, s); got != want {
				t.Fatalf("Escape(%q) = %q, systemd-escape says %q", s, got, want)
			}
		}
	})
}

// unescape undoes Escape, "-" read back as "/".
func unescape(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '-':
			b.WriteByte('/')
		case s[i] == '\\':
			if i+4 > len(s) || s[i+1] != 'x' {
				t.Fatalf("bad escape in %q", s)
			}
			var v byte
			for _, c := range []byte(s[i+2 : i+4]) {
				v = v<<4 | byte(strings.IndexByte("0123456789abcdef", c))
			}
			b.WriteByte(v)
			i += 3
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func TestUnitNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		fn   func() (string, error)
		want string
	}{
		{"component", func() (string, error) { return units.ServiceName("metacrypt", "api") }, "metacrypt-api.service"},
		{"unnamed component", func() (string, error) { return units.ServiceName("dns", "") }, "dns.service"},
		{"dash kept", func() (string, error) { return units.ServiceName("mc-ns", "dns-1") }, "mc-ns-dns-1.service"},
		{"slash escaped, not a dash", func() (string, error) { return units.ServiceName("a/b", "") }, `a\x2fb.service`},
		{"template @ escaped", func() (string, error) { return units.ServiceName("tpl@x", "") }, `tpl\x40x.service`},
		{"leading dot", func() (string, error) { return units.ServiceName(".x", ".y") }, `\x2ex-\x2ey.service`},
		{"tab", func() (string, error) { return units.ServiceName("a\tb", "") }, `a\x09b.service`},
		{"UTF-8", func() (string, error) { return units.ServiceName("é", "") }, `\xc3\xa9.service`},
		{"stage target", func() (string, error) { return units.StageTarget("core") }, "bootstage-core.target"},
		{"gate", func() (string, error) { return units.GateService("core") }, "bootstage-core-gate.service"},
		{"stage with space", func() (string, error) { return units.StageTarget("a b") }, `bootstage-a\x20b.target`},
	} {
		got, err := c.fn()
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// TestNameLimit checks the 255-byte limit at its edge, escaping counted.
func TestNameLimit(t *testing.T) {
	t.Parallel()
	ok := strings.Repeat("a", units.MaxNameLen-len(".service"))
	if n, err := units.ServiceName(ok, ""); err != nil || len(n) != units.MaxNameLen {
		t.Errorf("ServiceName of %d bytes: %q, %v", len(ok), n, err)
	}
	for name, fn := range map[string]func() (string, error){
		"service":   func() (string, error) { return units.ServiceName(ok+"a", "") },
		"component": func() (string, error) { return units.ServiceName(ok[:200], strings.Repeat("b", 50)) },
		"escaped":   func() (string, error) { return units.ServiceName(strings.Repeat("é", 40), "") }, // 40*8 bytes
		"target":    func() (string, error) { return units.StageTarget(strings.Repeat("s", 250)) },
		"gate":      func() (string, error) { return units.GateService(strings.Repeat("s", 240)) },
	} {
		if n, err := fn(); !errors.Is(err, units.ErrNameTooLong) {
			t.Errorf("%s: %q, %v; want ErrNameTooLong", name, n, err)
		}
	}
	if n, err := units.GateService(strings.Repeat("s", units.MaxNameLen-len("bootstage--gate.service"))); err != nil {
		t.Errorf("gate at the limit: %q, %v", n, err)
	}
	if !utf8.ValidString(units.Escape("\xff")) {
		t.Error("Escape must give ASCII for any input")
	}
}
