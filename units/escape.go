// Package units is the only place in bootstage that knows systemd unit
// syntax: unit names and their escaping (systemd.unit(5), systemd-escape(1)),
// value escaping for each kind of setting, and serialization.
//
// go-systemd's unit package serializes values as given and its name escaper
// writes `\x9` where systemd writes `\x09`; this package does both itself.
package units

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLen is the longest unit name systemd accepts (UNIT_NAME_MAX - 1).
const MaxNameLen = 255

// Escape escapes s the way `systemd-escape` does without options: "/"
// becomes "-", and every byte outside [A-Za-z0-9:_.] (and a leading ".")
// becomes \xNN with two lowercase hex digits.
func Escape(s string) string {
	return escape(s, false)
}

// escapeNamePart is Escape for one part of a generated unit name: "-" is
// kept, since operators type `journalctl -u mcns-dns`, and "/" is escaped
// rather than turned into "-". Ambiguities this allows ("a-b"/"c" against
// "a"/"b-c") are caught as collisions by the generator.
func escapeNamePart(s string) string {
	return escape(s, true)
}

func escape(s string, keepDash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/' && !keepDash:
			b.WriteByte('-')
		case c == '-' && keepDash:
			b.WriteByte('-')
		case c == '.' && i == 0, !isNameChar(c):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == ':' || c == '_' || c == '.'
}

// ServiceName is the unit name of a component: "metacrypt-api.service" for
// service "metacrypt", component "api"; "dns.service" when component is "".
func ServiceName(service, component string) (string, error) {
	n := escapeNamePart(service)
	if component != "" {
		n += "-" + escapeNamePart(component)
	}
	return checkName(n + ".service")
}

// StageTarget is the target of a stage: "bootstage-core.target".
func StageTarget(stage string) (string, error) {
	return checkName("bootstage-" + escapeNamePart(stage) + ".target")
}

// GateService is the gate unit of a stage: "bootstage-core-gate.service".
func GateService(stage string) (string, error) {
	return checkName("bootstage-" + escapeNamePart(stage) + "-gate.service")
}

// ErrNameTooLong is returned for a unit name over MaxNameLen bytes.
var ErrNameTooLong = errors.New("unit name too long")

func checkName(n string) (string, error) {
	if len(n) > MaxNameLen {
		return "", fmt.Errorf("%w: %d bytes, systemd allows %d", ErrNameTooLong, len(n), MaxNameLen)
	}
	return n, nil
}

// ErrControl is returned for a value that holds a byte that could end the
// line or the string in a unit file: NUL, newline, carriage return.
var ErrControl = errors.New("newline, carriage return or NUL not allowed")

// ErrSurroundingSpace is returned for a free-text value that starts or
// ends with blanks, which systemd strips: the unit would not say what was
// meant.
var ErrSurroundingSpace = errors.New("leading or trailing blanks would be dropped by systemd")

// ErrNotUTF8 is returned for a value that is not valid UTF-8: systemd
// ignores such a line altogether ("not UTF-8 clean, ignoring").
var ErrNotUTF8 = errors.New("not valid UTF-8")

// ErrTrailingBackslash is returned for an unquoted value ending in "\",
// which systemd would read as a line continuation.
var ErrTrailingBackslash = errors.New("a trailing backslash would continue the line")

// CheckValue reports whether s can stand in a unit file at all. Every
// value of every unit passes here: one pass over the bytes.
func CheckValue(s string) error {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0 || c == '\n' || c == '\r':
			return ErrControl
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.ValidString(s) {
		return ErrNotUTF8
	}
	return nil
}

// escapeSpecifiers doubles "%" so that systemd does not expand specifiers.
func escapeSpecifiers(s string) string {
	return strings.ReplaceAll(s, "%", "%%")
}

// specMark starts an Exec argument that bootstage itself wrote with
// specifiers meant for systemd: NUL, which no configuration value can hold,
// and a token drawn at start-up, so that no input can pass for it even
// where NUL got through.
var specMark = func() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return "\x00" + hex.EncodeToString(b[:]) + ":"
}()

// Specifiers marks an Exec argument whose "%" specifiers systemd must
// expand, e.g. Specifiers("--cidfile=%t/%N.cid"). "$" and quoting are
// still escaped. Never pass configuration through it.
func Specifiers(arg string) string { return specMark + arg }

// plainBytes are the bytes an Exec word may hold without quotes: not the
// separators, quotes and escape of systemd's word splitting, not ";" (a
// word of its own ends a command), and only ASCII; a word with other bytes
// is plain only if it is valid UTF-8 (needsQuotes).
var plainBytes = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = !strings.ContainsRune(" \t\"'\\;", rune(c))
	}
	return t
}()

// needsQuotes reports whether word s cannot stand bare on an Exec line:
// one pass over its bytes.
func needsQuotes(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			ascii = false
		} else if !plainBytes[c] {
			return true
		}
	}
	return !ascii && !utf8.ValidString(s)
}

// quoteWord renders one word for a setting that systemd splits with
// extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE): Exec*= arguments
// and Environment= assignments. The word is always safe: "%" is doubled,
// "$" doubled when dollar is set (Exec*= expands $VAR), and the word is
// double-quoted, with "\" and `"` escaped, whenever it is not plain or
// starts with "#". A byte that is not UTF-8 is written \xNN inside the
// quotes: systemd would skip the whole line otherwise, and unescapes it
// back to the byte.
func quoteWord(s string, dollar bool) string {
	if rest, ok := strings.CutPrefix(s, specMark); ok {
		s = rest
	} else {
		s = escapeSpecifiers(s)
	}
	if dollar {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	// A word that starts with "#" or ";" would make a continuation line a
	// comment, which systemd skips (with everything else on the line).
	if s != "" && s[0] != '#' && !needsQuotes(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
