// Package unitstest reads unit files back the way systemd 252 does, so
// that tests of bootstage can prove that what it writes is what systemd
// will see: no injected key or section, every Exec*= argument and
// Environment= assignment byte for byte. It is test support; nothing in
// bootstage's binaries imports it.
//
// It follows systemd's own code (read through the public sources):
//   - src/shared/conf-parser.c, config_parse and parse_line: lines (at most
//     LONG_LINE_MAX bytes, continuation lines joined included), comments
//     (skipped even inside a continuation), a line ending in an unescaped
//     backslash continued with that backslash turned into a space, section
//     headers, "Key=Value" with both sides stripped;
//   - src/basic/extract-word.c, extract_first_word with
//     EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, and src/basic/escape.c,
//     cunescape_one: words, quotes, C escapes;
//   - src/core/load-fragment.c, config_parse_exec: the prefixes, an unquoted
//     ";" word as a separator, specifiers expanded word by word after
//     unquoting; config_parse_environ for Environment=;
//   - src/basic/env-util.c, replace_env_argv: "$$" is "$" at exec time.
//
// It is stricter than systemd where systemd would warn and carry on, or
// where bootstage never means to write something: an unknown escape, a
// second command after ";", a "%" specifier or a "$VAR" reference that the
// caller did not allow are errors.
package unitstest

import (
	"fmt"
	"strings"
)

// Entry is one assignment as systemd reads it: continuation lines joined,
// key and value stripped of surrounding whitespace.
type Entry struct {
	Section, Key, Value string
	Line                int // 1-based line where the assignment starts
}

// Unit is a unit file as systemd reads it.
type Unit struct {
	Sections []string // in order of their headers; a repeated header repeats
	Entries  []Entry
}

// longLineMax is systemd's LONG_LINE_MAX (src/basic/fileio.h).
const longLineMax = 1 << 20

// whitespace is systemd's WHITESPACE.
const whitespace = " \t\n\r"

// Parse reads a unit file as config_parse does. It fails where systemd
// would fail or warn: a bad section header, an assignment outside a
// section, a line without "=".
func Parse(text string) (*Unit, error) {
	u := &Unit{}
	section := ""
	var cont strings.Builder
	inCont, start := false, 0
	for n, raw := range splitLines(text) {
		// read_line(f, LONG_LINE_MAX) fails once a line holds LONG_LINE_MAX
		// bytes; config_parse then fails the whole file.
		if len(raw) >= longLineMax {
			return nil, fmt.Errorf("line %d: Line too long", n+1)
		}
		if l := strings.TrimLeft(raw, whitespace); l != "" && strings.ContainsRune("#;", rune(l[0])) {
			continue // a comment, even in the middle of a continuation
		}
		if !inCont {
			start = n + 1
		}
		if inCont && cont.Len()+len(raw) > longLineMax {
			return nil, fmt.Errorf("line %d: Continuation line too long", n+1)
		}
		cont.WriteString(raw)
		if p := cont.String(); EndsInBackslash(p) {
			cont.Reset()
			cont.WriteString(p[:len(p)-1] + " ")
			inCont = true
			continue
		}
		p := cont.String()
		cont.Reset()
		inCont = false
		if err := u.line(p, start, &section); err != nil {
			return nil, err
		}
	}
	if inCont {
		if err := u.line(cont.String(), start, &section); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// splitLines splits text as read_line does: "\n", "\r", "\r\n" and NUL
// each end a line.
func splitLines(text string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n', 0:
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				lines = append(lines, text[start:i])
				i++
				start = i + 1
				continue
			}
		default:
			continue
		}
		lines = append(lines, text[start:i])
		start = i + 1
	}
	if start < len(text) {
		lines = append(lines, text[start:])
	}
	return lines
}

// line is parse_line on one logical line.
func (u *Unit) line(l string, n int, section *string) error {
	l = strings.Trim(l, whitespace)
	switch {
	case l == "" || strings.ContainsRune("#;", rune(l[0])):
		return nil
	case l[0] == '[':
		if l[len(l)-1] != ']' {
			return fmt.Errorf("line %d: invalid section header %q", n, l)
		}
		*section = l[1 : len(l)-1]
		u.Sections = append(u.Sections, *section)
		return nil
	case *section == "":
		return fmt.Errorf("line %d: assignment outside of a section: %q", n, l)
	}
	k, v, ok := strings.Cut(l, "=")
	if !ok {
		return fmt.Errorf("line %d: missing '=': %q", n, l)
	}
	u.Entries = append(u.Entries, Entry{Section: *section, Key: strings.Trim(k, whitespace),
		Value: strings.Trim(v, whitespace), Line: n})
	return nil
}

// EndsInBackslash reports whether s ends in a backslash that is not
// itself escaped: config_parse's test for a continued line.
func EndsInBackslash(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// Lookup returns the values of key in section, in order.
func (u *Unit) Lookup(section, key string) []string {
	var vs []string
	for _, e := range u.Entries {
		if e.Section == section && e.Key == key {
			vs = append(vs, e.Value)
		}
	}
	return vs
}
