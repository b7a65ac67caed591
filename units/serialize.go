package units

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bytes renders f as systemd reads it: the header as comments, then each
// section with its entries in order; continuation lines are indented and
// joined with " \" as systemd.syntax(7) allows.
func (f *File) Bytes() []byte {
	return f.AppendTo(nil)
}

// AppendTo appends what Bytes returns to b: a writer of thousands of units
// renders them all into one reused buffer.
func (f *File) AppendTo(b []byte) []byte {
	b = slices.Grow(b, f.size())
	for _, h := range f.Header {
		b = append(b, "# "...)
		b = append(b, commentSafe(h)...)
		b = append(b, '\n')
	}
	for i, s := range f.sections {
		if i > 0 || len(f.Header) > 0 {
			b = append(b, '\n')
		}
		b = append(b, '[')
		b = append(b, s.Name...)
		b = append(b, "]\n"...)
		for _, e := range s.Entries {
			b = append(b, e.Key...)
			b = append(b, '=')
			b = append(b, e.Value...)
			for _, l := range e.Lines {
				b = append(b, continuation...)
				b = append(b, l...)
			}
			b = append(b, '\n')
		}
	}
	return b
}

// continuation ends a line that the next one continues, and indents that
// one: systemd joins them, the backslash read as a blank.
const continuation = " \\\n        "

// MaxLineLen is the longest line bootstage writes in a unit file, the
// longest systemd 252 reads: read_line() gives up on a line of
// LONG_LINE_MAX (1 MiB) bytes, and the parser on continuation lines that
// join to more than that ("Continuation line too long"). A unit with a
// longer line fails to load ("No buffer space available"); measured with
// systemd-analyze verify, a line of 1048575 bytes loads and one of 1048576
// does not.
const MaxLineLen = 1<<20 - 1

// ErrLineTooLong is returned for a setting whose line, its continuation
// lines joined, systemd would refuse to read.
var ErrLineTooLong = errors.New("line too long")

// lineLen is the length of the line key=value with its continuation lines
// joined as systemd joins them (newlines aside): every physical line of it
// is shorter, so this one bound covers both of systemd's limits.
func lineLen(key, value string, lines []string) int {
	n := len(key) + 1 + len(value)
	for _, l := range lines {
		n += len(continuation) - 1 + len(l)
	}
	return n
}

// size is what AppendTo will add, unless a header comment needs escaping.
func (f *File) size() int {
	n := 16
	for _, h := range f.Header {
		n += len(h) + 3
	}
	for _, s := range f.sections {
		n += len(s.Name) + 4
		for _, e := range s.Entries {
			n += len(e.Key) + len(e.Value) + 2
			for _, l := range e.Lines {
				n += len(l) + len(continuation)
			}
		}
	}
	return n
}

// commentSafe keeps a comment on its line and readable: control bytes (a
// newline in a file name, say) are shown as \xNN, invalid UTF-8 as U+FFFD.
func commentSafe(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		clean = s[i] >= 0x20 && s[i] != 0x7f
	}
	if clean {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD") // systemd skips a line that is not UTF-8
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
