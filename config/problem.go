package config

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with the configuration, where it stands and,
// where one helps, a hint. The generator, `bootstage validate` and the
// tests all print it the same way, with Error.
type Problem struct {
	File      string
	Line, Col int    // 1-based; 0 when the problem concerns the whole file
	Key       string // the key path inside the document, e.g. components.1.ports.0
	Msg       string
	Hint      string
	Warning   bool // reported, but the file's units are still generated
}

// Error renders "file:line:col: key: msg (hint)".
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Col)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Key != "" {
		b.WriteString(clip(DisplayKey(p.Key), MaxMessageLen) + ": ")
	}
	b.WriteString(clip(p.Msg, MaxMessageLen))
	if p.Hint != "" {
		b.WriteString(" (" + p.Hint + ")")
	}
	return b.String()
}

// InternalError is the problem that a bug in bootstage, err (a recovered
// panic), becomes for the file it met: that file fails, the others are
// generated.
func InternalError(file string, err error) Problem {
	return Problem{File: file, Line: 1, Col: 1, Msg: err.Error(), Hint: "a bug in bootstage: please report it, with this file"}
}

// MaxMessageLen is how much of a problem's key path and of its message
// Error shows: a message that quotes a huge value (an 8 MB image name), or
// the path of a huge key, is cut, so that it cannot
// flood a terminal or make the failing unit that shows it unloadable.
const MaxMessageLen = 1024

// clip cuts s to at most max bytes, at a rune boundary, marked with "…".
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// DisplayKey is a key path as problems show it, array indices as such:
// components.1.ports.0 is components[1].ports[0].
func DisplayKey(path string) string {
	parts := strings.Split(path, ".")
	var b strings.Builder
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// Problems is every problem found in a configuration, in file and
// position order.
type Problems []Problem

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Error prints one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by file, line and column, so reports are stable.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Closest returns the candidate nearest to s, for "did you mean" hints: the
// edit distance (optimal string alignment: insertions, deletions,
// substitutions and transpositions of runes, case ignored) must be at most a
// third of s's length, and at least 1. Ties go to the first in sorted order,
// so the hint is stable. "" when none is close enough to help.
func Closest(s string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	n := utf8.RuneCountInString(s)
	limit := max(1, n/3)
	best, bestD := "", limit+1
	for _, c := range sorted {
		if m := utf8.RuneCountInString(c); m-n > limit || n-m > limit {
			continue // the distance is at least the difference in length
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between the runes
// of a and b: "grcp" is one from "grpc".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
