package load

import (
	"sort"
	"strconv"
	"strings"
)

// A locator knows where each key and value of a TOML document stands.
// BurntSushi/toml keeps one position per dotted key, so the second
// [[components]] would be reported at the line of the last one; bootstage
// points at the exact element, so it scans the (already valid) document
// once more and records every key path with array indices:
// "components.1.health.port", "components.0.ports.2".
type locator struct {
	lineStarts []int
	keys       map[string]int // path -> byte offset of the key
	values     map[string]int // path -> byte offset of the value
}

func newLocator(src string) *locator {
	l := &locator{keys: map[string]int{}, values: map[string]int{}, lineStarts: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			l.lineStarts = append(l.lineStarts, i+1)
		}
	}
	s := &scanner{src: src, l: l, arrays: map[string]int{}}
	s.document()
	return l
}

// pos turns a byte offset into 1-based line and column.
func (l *locator) pos(off int) (line, col int) {
	i := sort.Search(len(l.lineStarts), func(i int) bool { return l.lineStarts[i] > off }) - 1
	return i + 1, off - l.lineStarts[i] + 1
}

// key returns the position of the key at path, or of its nearest known
// ancestor, so every problem has a position even if the scan missed it.
func (l *locator) key(path string) (line, col int) {
	return l.find(path, l.keys)
}

// value returns the position of the value at path (an array element, a
// scalar), falling back to its key.
func (l *locator) value(path string) (line, col int) {
	if off, ok := l.values[path]; ok {
		return l.pos(off)
	}
	return l.key(path)
}

func (l *locator) find(path string, m map[string]int) (int, int) {
	for p := path; p != ""; {
		if off, ok := m[p]; ok {
			return l.pos(off)
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1, 1
}

type scanner struct {
	src    string
	i      int
	l      *locator
	table  string         // resolved path of the current [table]
	arrays map[string]int // resolved path of an array of tables -> last index
}

func (s *scanner) document() {
	for s.i < len(s.src) {
		s.skipSpace(true)
		if s.i >= len(s.src) {
			return
		}
		switch s.src[s.i] {
		case '#':
			s.skipComment()
		case '[':
			s.header()
		default:
			s.keyValue(s.table)
		}
	}
}

func (s *scanner) header() {
	array := strings.HasPrefix(s.src[s.i:], "[[")
	start := s.i
	if array {
		s.i += 2
	} else {
		s.i++
	}
	s.skipSpace(false)
	keyOff := s.i
	parts := s.dottedKey()
	if len(parts) == 0 {
		s.skipLine()
		return
	}
	path := join(s.resolve(parts[:len(parts)-1]), parts[len(parts)-1])
	if array {
		n := -1
		if v, ok := s.arrays[path]; ok {
			n = v
		}
		s.arrays[path] = n + 1
		s.l.keys[path] = keyOff
		path = join(path, strconv.Itoa(n+1))
	}
	s.l.keys[path] = keyOff
	s.l.values[path] = start
	s.table = path
	s.skipLine()
}

// resolve turns header parts into a path, adding the current index of
// every array of tables it passes through.
func (s *scanner) resolve(parts []string) string {
	path := ""
	for _, p := range parts {
		path = join(path, p)
		if n, ok := s.arrays[path]; ok {
			path = join(path, strconv.Itoa(n))
		}
	}
	return path
}

func (s *scanner) keyValue(table string) {
	keyOff := s.i
	path := join(table, strings.Join(s.dottedKey(), "."))
	s.l.keys[path] = keyOff
	s.skipSpace(false)
	if s.i < len(s.src) && s.src[s.i] == '=' {
		s.i++
	}
	s.skipSpace(false)
	s.value(path)
}

func (s *scanner) value(path string) {
	if s.i >= len(s.src) {
		return
	}
	s.l.values[path] = s.i
	switch c := s.src[s.i]; {
	case c == '[':
		s.i++
		for n := 0; ; n++ {
			s.skipSpace(true)
			s.skipComments()
			if s.i >= len(s.src) || s.src[s.i] == ']' {
				s.i++
				return
			}
			s.value(join(path, strconv.Itoa(n)))
			s.skipSpace(true)
			s.skipComments()
			if s.i < len(s.src) && s.src[s.i] == ',' {
				s.i++
			}
		}
	case c == '{':
		s.i++
		for {
			s.skipSpace(false)
			if s.i >= len(s.src) || s.src[s.i] == '}' {
				s.i++
				return
			}
			s.keyValue(path)
			s.skipSpace(false)
			if s.i < len(s.src) && s.src[s.i] == ',' {
				s.i++
			}
		}
	case c == '"' || c == '\'':
		s.str()
	default:
		for s.i < len(s.src) && !strings.ContainsRune(",]}#\n", rune(s.src[s.i])) {
			s.i++
		}
	}
}

func (s *scanner) dottedKey() []string {
	var parts []string
	for {
		s.skipSpace(false)
		if s.i >= len(s.src) {
			return parts
		}
		if c := s.src[s.i]; c == '"' || c == '\'' {
			raw := s.str()
			if v, err := strconv.Unquote(raw); err == nil && c == '"' {
				parts = append(parts, v)
			} else {
				parts = append(parts, strings.Trim(raw, `'"`))
			}
		} else {
			start := s.i
			for s.i < len(s.src) && isBareKeyChar(s.src[s.i]) {
				s.i++
			}
			parts = append(parts, s.src[start:s.i])
		}
		s.skipSpace(false)
		if s.i >= len(s.src) || s.src[s.i] != '.' {
			return parts
		}
		s.i++
	}
}

// str skips a string of any of TOML's four kinds and returns its source.
func (s *scanner) str() string {
	start := s.i
	q := s.src[s.i]
	delim := string(q)
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	s.i += len(delim)
	for s.i < len(s.src) {
		if q == '"' && s.src[s.i] == '\\' {
			s.i += 2
			continue
		}
		if strings.HasPrefix(s.src[s.i:], delim) {
			s.i += len(delim)
			// a multi-line string may end in up to two more quotes
			for len(delim) == 3 && s.i < len(s.src) && s.src[s.i] == q {
				s.i++
			}
			break
		}
		s.i++
	}
	if s.i > len(s.src) {
		s.i = len(s.src)
	}
	return s.src[start:s.i]
}

func (s *scanner) skipSpace(newlines bool) {
	for s.i < len(s.src) {
		c := s.src[s.i]
		if c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n') {
			s.i++
			continue
		}
		return
	}
}

func (s *scanner) skipComments() {
	for s.i < len(s.src) && s.src[s.i] == '#' {
		s.skipComment()
		s.skipSpace(true)
	}
}

func (s *scanner) skipComment() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

func (s *scanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		if s.src[s.i] == '"' || s.src[s.i] == '\'' {
			s.str()
			continue
		}
		s.i++
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "." + b
}
