package units

import (
	"bytes"
	"fmt"
	"strings"
)

// Bytes renders f as systemd reads it: the header as comments, then each
// section with its entries in order; continuation lines are indented and
// joined with " \" as systemd.syntax(7) allows.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	for _, h := range f.Header {
		b.WriteString("# " + commentSafe(h) + "\n")
	}
	for i, s := range f.sections {
		if i > 0 || len(f.Header) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("[" + s.Name + "]\n")
		for _, e := range s.Entries {
			b.WriteString(e.Key + "=" + e.Value)
			for _, l := range e.Lines {
				b.WriteString(" \\\n        " + l)
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// commentSafe keeps a comment on its line and readable: control bytes (a
// newline in a file name, say) are shown as \xNN, invalid UTF-8 as U+FFFD.
func commentSafe(s string) string {
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
