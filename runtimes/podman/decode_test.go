package podman

// A test-only reader of what systemd makes of a unit file, so that tests
// can prove a hostile value comes back byte for byte. It follows systemd
// 252: src/shared/conf-parser.c (lines, continuations, comments),
// src/basic/extract-word.c with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE (words),
// config_parse_exec in src/core/load-fragment.c (prefixes, ";"), specifier
// expansion ("%%" is "%") and, at exec time, replace_env_argv ("$$" is "$").
// It is strict where systemd would warn and carry on: an unknown escape, an
// unquoted ";" word, a "%" specifier or a "$VAR" reference other than those
// a test allows are errors, since bootstage never means to write them.
//
// It could move to units/ as a shared test helper (units/unitstest).

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// entry is one assignment as systemd reads it: the raw value, continuation
// lines joined.
type entry struct{ Section, Key, Value string }

// parseUnitFile splits a unit file into its assignments, in order.
func parseUnitFile(text string) ([]entry, error) {
	var out []entry
	section, cont := "", ""
	inCont := false
	for n, raw := range strings.Split(text, "\n") {
		l := strings.TrimLeft(raw, " \t") // a backslash followed by a blank continues nothing
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") {
			continue // systemd skips comments inside a continuation too
		}
		if trailingBackslash(l) {
			cont += l[:len(l)-1] + " "
			inCont = true
			continue
		}
		if inCont {
			l, cont, inCont = cont+l, "", false
		}
		l = strings.TrimRight(l, " \t\r")
		switch {
		case l == "":
		case strings.HasPrefix(l, "["):
			if !strings.HasSuffix(l, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n+1, l)
			}
			section = l[1 : len(l)-1]
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok || section == "" {
				return nil, fmt.Errorf("line %d: not an assignment: %q", n+1, l)
			}
			out = append(out, entry{section, strings.TrimRight(k, " \t"), strings.TrimLeft(v, " \t")})
		}
	}
	if inCont {
		return nil, errors.New("file ends inside a continuation")
	}
	return out, nil
}

// trailingBackslash reports whether l ends in a backslash that is not
// itself escaped, which systemd reads as "continued on the next line".
func trailingBackslash(l string) bool {
	n := 0
	for i := len(l) - 1; i >= 0 && l[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// execCommand is one Exec*= command after systemd has read it.
type execCommand struct {
	Prefix string   // "-", "@", "+", "!", ":" in any combination
	Argv   []string // as the process receives it
}

// decodeExec reads an Exec*= value the way systemd does when it loads the
// unit and then runs it, with no environment: allowedSpec maps the
// specifiers a test expects ("%t") to what they stand for.
func decodeExec(value string, allowedSpec map[byte]string) (execCommand, error) {
	var cmd execCommand
	p := strings.TrimLeft(value, " \t")
	for first := true; ; first = false {
		p = strings.TrimLeft(p, " \t\n\r")
		if p == "" {
			break
		}
		if p[0] == ';' && (len(p) == 1 || strings.ContainsRune(" \t\n\r", rune(p[1]))) {
			return cmd, errors.New("unquoted \";\" would start a second command")
		}
		var w string
		if strings.HasPrefix(p, `\;`) && (len(p) == 2 || strings.ContainsRune(" \t\n\r", rune(p[2]))) {
			w, p = ";", p[2:] // config_parse_exec reads a lone "\;" as ";" itself
		} else {
			var err error
			if w, p, err = extractWord(p); err != nil {
				return cmd, err
			}
		}
		var err error
		if first {
			i := 0
			for i < len(w) && strings.IndexByte("-@+!:", w[i]) >= 0 {
				i++
			}
			cmd.Prefix, w = w[:i], w[i:]
		}
		if w, err = expandSpecifiers(w, allowedSpec); err != nil {
			return cmd, err
		}
		if w, err = expandDollars(w); err != nil {
			return cmd, err
		}
		cmd.Argv = append(cmd.Argv, w)
	}
	if len(cmd.Argv) == 0 || !strings.HasPrefix(cmd.Argv[0], "/") {
		return cmd, fmt.Errorf("no absolute executable in %q", value)
	}
	return cmd, nil
}

// extractWord is extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE) on
// a string with no leading separators: it returns the word and the rest.
func extractWord(p string) (string, string, error) {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			r, n, err := cunescapeOne(p[i+1:])
			if err != nil {
				return "", "", err
			}
			b.WriteString(r)
			i += n
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(" \t\n\r", c) >= 0:
			return b.String(), p[i:], nil
		default:
			b.WriteByte(c)
		}
	}
	if quote != 0 {
		return "", "", errors.New("unterminated quote")
	}
	return b.String(), "", nil
}

// cunescapeOne is systemd's cunescape_one on what follows a backslash: it
// returns the unescaped text and how many bytes it used.
func cunescapeOne(p string) (string, int, error) {
	if p == "" {
		return "", 0, errors.New("backslash at end of value")
	}
	simple := map[byte]string{'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r",
		't': "\t", 'v': "\v", '\\': "\\", '"': "\"", '\'': "'", 's': " "}
	if s, ok := simple[p[0]]; ok {
		return s, 1, nil
	}
	num := func(digits, base int) (uint64, error) {
		if len(p) < 1+digits {
			return 0, fmt.Errorf("short \\%c escape", p[0])
		}
		return strconv.ParseUint(p[1:1+digits], base, 32)
	}
	switch p[0] {
	case 'x':
		v, err := num(2, 16)
		if err != nil || v == 0 {
			return "", 0, fmt.Errorf("bad \\x escape in %q", p)
		}
		return string([]byte{byte(v)}), 3, nil
	case 'u', 'U':
		d := map[byte]int{'u': 4, 'U': 8}[p[0]]
		v, err := num(d, 16)
		if err != nil || v == 0 || !utf8.ValidRune(rune(v)) {
			return "", 0, fmt.Errorf("bad \\%c escape in %q", p[0], p)
		}
		return string(rune(v)), 1 + d, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, err := strconv.ParseUint(p[:min(3, len(p))], 8, 32)
		if len(p) < 3 || err != nil || v == 0 || v > 255 {
			return "", 0, fmt.Errorf("bad octal escape in %q", p)
		}
		return string([]byte{byte(v)}), 3, nil
	}
	return "", 0, fmt.Errorf("unknown escape \\%c", p[0])
}

// expandSpecifiers is unit_full_printf: "%%" is "%", and "%X" must be one
// of the allowed specifiers.
func expandSpecifiers(w string, allowed map[byte]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '%' {
			b.WriteByte(w[i])
			continue
		}
		if i+1 == len(w) {
			return "", fmt.Errorf("lone %% at the end of %q", w)
		}
		i++
		if w[i] == '%' {
			b.WriteByte('%')
			continue
		}
		s, ok := allowed[w[i]]
		if !ok {
			return "", fmt.Errorf("unexpected specifier %%%c in %q", w[i], w)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// expandDollars is replace_env_argv with an empty environment, strict: "$$"
// is "$", and any other "$" would be a variable reference.
func expandDollars(w string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '$' {
			b.WriteByte(w[i])
			continue
		}
		if i+1 < len(w) && w[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		return "", fmt.Errorf("unescaped $ would expand a variable in %q", w)
	}
	return b.String(), nil
}

// decodeText is what systemd makes of a free-text setting that expands
// specifiers (SyslogIdentifier=, RequiresMountsFor= of a plain path).
func decodeText(v string) (string, error) {
	return expandSpecifiers(v, nil)
}

// The decoder is checked against the examples of systemd.service(5) and
// systemd.syntax(7), so that tests built on it prove something.
func TestDecodeExec(t *testing.T) {
	tests := []struct {
		in     string
		prefix string
		argv   []string
		bad    bool
	}{
		{in: `/bin/echo / >/dev/null & \; ls`, argv: []string{"/bin/echo", "/", ">/dev/null", "&", ";", "ls"}},
		{in: `/bin/echo one ; /bin/echo "two two"`, bad: true}, // a second command
		{in: `-/usr/bin/podman rm "a b"`, prefix: "-", argv: []string{"/usr/bin/podman", "rm", "a b"}},
		{in: `/bin/x "a\"b" 'c\'d' "e\\f" \x41 "\s" a"b c"d`, argv: []string{"/bin/x", `a"b`, "c'd", `e\f`, "A", " ", "ab cd"}},
		{in: `/bin/x "100%%" "$$HOME" "%%n" "\u00fc"`, argv: []string{"/bin/x", "100%", "$HOME", "%n", "ü"}},
		{in: `/bin/x ";"`, argv: []string{"/bin/x", ";"}},
		{in: `/bin/x $HOME`, bad: true},
		{in: `/bin/x ${HOME}`, bad: true},
		{in: `/bin/x %n`, bad: true},
		{in: `/bin/x \q`, bad: true},
		{in: `/bin/x "open`, bad: true},
		{in: `relative`, bad: true},
	}
	for _, tt := range tests {
		got, err := decodeExec(tt.in, nil)
		if tt.bad {
			if err == nil {
				t.Errorf("decodeExec(%q) = %q, want an error", tt.in, got.Argv)
			}
			continue
		}
		if err != nil || got.Prefix != tt.prefix || !reflect.DeepEqual(got.Argv, tt.argv) {
			t.Errorf("decodeExec(%q) = %q %q, %v; want %q %q", tt.in, got.Prefix, got.Argv, err, tt.prefix, tt.argv)
		}
	}
	if got, err := decodeExec(`/bin/x --cidfile=%t/%N.cid`, map[byte]string{'t': "/run", 'N': "u"}); err != nil ||
		got.Argv[1] != "--cidfile=/run/u.cid" {
		t.Errorf("allowed specifiers: %q, %v", got.Argv, err)
	}
}

func TestParseUnitFile(t *testing.T) {
	text := "# comment\n[Service]\nExecStart=/bin/a \\\n        b \\\n# skipped inside a continuation\n        c\nKey = v  \nX=a\\\\\n"
	es, err := parseUnitFile(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []entry{{"Service", "ExecStart", "/bin/a  b  c"}, {"Service", "Key", "v"}, {"Service", "X", `a\\`}}
	if !reflect.DeepEqual(es, want) {
		t.Errorf("got %q, want %q", es, want)
	}
	if _, err := parseUnitFile("[S]\nA=b \\"); err == nil {
		t.Error("a file ending inside a continuation parsed")
	}
}
