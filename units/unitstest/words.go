package unitstest

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ExtractWord is extract_first_word(&p, &word, NULL,
// EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE): leading whitespace is skipped, a word
// ends at unquoted whitespace, quotes (either kind, anywhere in the word)
// are removed, and a backslash, inside quotes or not, starts a C escape.
// ok is false when p holds no word. Unlike systemd it does not retry with
// EXTRACT_CUNESCAPE_RELAX: an unknown escape is an error.
func ExtractWord(p string) (word, rest string, ok bool, err error) {
	p = strings.TrimLeft(p, whitespace)
	if p == "" {
		return "", "", false, nil
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			s, n, err := CunescapeOne(p[i+1:])
			if err != nil {
				return "", "", false, err
			}
			b.WriteString(s)
			i += n
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(whitespace, c) >= 0:
			return b.String(), strings.TrimLeft(p[i:], whitespace), true, nil
		default:
			b.WriteByte(c)
		}
	}
	if quote != 0 {
		return "", "", false, errors.New("unbalanced quoting")
	}
	return b.String(), "", true, nil
}

// Words splits s into every word ExtractWord finds.
func Words(s string) ([]string, error) {
	var out []string
	for {
		w, rest, ok, err := ExtractWord(s)
		if err != nil || !ok {
			return out, err
		}
		out = append(out, w)
		s = rest
	}
}

// CunescapeOne is cunescape_one on what follows a backslash: the bytes it
// stands for and how many bytes of p it used. NUL is refused, as systemd
// refuses it.
func CunescapeOne(p string) (string, int, error) {
	if p == "" {
		return "", 0, errors.New("backslash at the end of the value")
	}
	if i := strings.IndexByte(`abfnrtv\"'s`, p[0]); i >= 0 {
		return string("\a\b\f\n\r\t\v\\\"' "[i]), 1, nil
	}
	switch p[0] {
	case 'x':
		v, ok := digits(p[1:], 2, 16)
		if !ok || v == 0 {
			return "", 0, fmt.Errorf("bad \\x escape in %q", p)
		}
		return string([]byte{byte(v)}), 3, nil
	case 'u', 'U':
		n := 4
		if p[0] == 'U' {
			n = 8
		}
		v, ok := digits(p[1:], n, 16)
		if !ok || v == 0 || (p[0] == 'U' && !utf8.ValidRune(rune(v))) {
			return "", 0, fmt.Errorf("bad \\%c escape in %q", p[0], p)
		}
		return string(utf8.AppendRune(nil, rune(v))), 1 + n, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, ok := digits(p, 3, 8)
		if !ok || v == 0 || v > 255 {
			return "", 0, fmt.Errorf("bad octal escape in %q", p)
		}
		return string([]byte{byte(v)}), 3, nil
	}
	return "", 0, fmt.Errorf("unknown escape \\%c", p[0])
}

// digits reads exactly n digits of base from the start of p.
func digits(p string, n, base int) (uint32, bool) {
	if len(p) < n {
		return 0, false
	}
	var v uint32
	for i := 0; i < n; i++ {
		d := strings.IndexByte("0123456789abcdef", lower(p[i]))
		if d < 0 || d >= base {
			return 0, false
		}
		v = v*uint32(base) + uint32(d)
	}
	return v, true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// Specifiers is what a test expects systemd to expand: "%n" -> the unit
// name, say. nil allows none.
type Specifiers map[byte]string

// Expand is unit_full_printf on one word: "%%" is "%", any other "%X" must
// be in spec. A lone "%" at the end is refused.
func (spec Specifiers) Expand(w string) (string, error) {
	if strings.IndexByte(w, '%') < 0 {
		return w, nil
	}
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
		s, ok := spec[w[i]]
		if !ok {
			return "", fmt.Errorf("unexpected specifier %%%c in %q", w[i], w)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// ExpandDollars is replace_env_argv on one word with an empty environment,
// strict: "$$" is "$", and any other "$" would reference a variable.
func ExpandDollars(w string) (string, error) {
	if strings.IndexByte(w, '$') < 0 {
		return w, nil
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] != '$':
			b.WriteByte(w[i])
		case i+1 < len(w) && w[i+1] == '$':
			b.WriteByte('$')
			i++
		default:
			return "", fmt.Errorf("unescaped $ would expand a variable in %q", w)
		}
	}
	return b.String(), nil
}
