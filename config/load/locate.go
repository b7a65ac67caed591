package load

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// What one file may hold. An operator's service file is a few kilobytes,
// nests four or five levels and has some dozens of keys; the limits are
// far beyond that, and keep what the TOML parser builds for any file to a
// few megabytes: it recurses once per level of nesting, and keeps a key
// path string per key, so depth and key paths cost it memory
// quadratically, and every key or value some hundred bytes.
const (
	maxFileSize = 1 << 20 // bytes
	maxDepth    = 32      // keys, tables and array elements, one inside the other
	maxEntries  = 10000   // keys, table names and array elements written
	maxKeyPath  = 512     // bytes of a key path, its dots included
)

// A scanner walks the source of a TOML document as TOML nests it: table
// headers, dotted keys, arrays and inline tables, keeping the key path
// down to where it stands. It serves three ends, each in one pass that
// is linear in the source and recurses at most maxDepth deep:
//
//   - before the TOML parser sees a file, it refuses one beyond the
//     limits above (check);
//   - it finds where the keys and values that problems are about stand
//     (locate): BurntSushi/toml keeps one position per dotted key, so it
//     would report the second [[components]] at the line of the last;
//   - it names the key path at the offset of a syntax error (pathAt).
//
// The source may be any bytes: the scanner never fails, only steps over
// what TOML would refuse.
type scanner struct {
	src     string
	i       int
	path    []step
	aot     map[string]int // resolved path of each array of tables -> its last index; nil for none yet
	buf     []byte         // the resolved path of a table header being read
	entries int

	root   *node  // the paths to locate; nil for none
	stopAt int    // name the path at this offset; -1 for none
	at     []step // the path at stopAt, or where a limit was crossed
	limit  string // the limit crossed, "" for none
	hint   string // and what to do about it
	limOff int    // where
	done   bool
}

// step is one element of a key path: a key or an array index.
type step struct {
	key    string
	idx    int   // -1 for a key
	node   *node // the wanted path this step is on; nil when it is on none
	keyLen int   // bytes of the keys of the path down to here, dots included
}

// node is a path being located, in a tree of all the wanted ones: a scan
// follows the tree as it goes, so it costs nothing off the wanted paths.
type node struct {
	kids     map[string]*node
	key, val int // byte offsets in the source; -1 where not found
}

func newScanner(src string, root *node, stopAt int) *scanner {
	return &scanner{src: src, root: root, stopAt: stopAt, path: make([]step, 0, 8)}
}

// check scans src for the limits; it returns the first one crossed, a
// hint, where and the path there, or "" when src is within them all.
func check(src string) (msg, hint string, off int, path string) {
	s := newScanner(src, nil, -1)
	s.document()
	return s.limit, s.hint, s.limOff, pathString(s.at)
}

// pathAt names the key path of the innermost key, table header or value
// of src that holds byte offset off: where a syntax error stands.
func pathAt(src string, off int) []step {
	s := newScanner(src, nil, off)
	s.document()
	return s.at
}

// want is a position to locate: of the key at path, or of its value.
type want struct {
	path  string
	value bool
}

// locate returns the byte offset of each want in src, in one pass: the
// value's for a value when the scan found it, else the key's, else that
// of the nearest key above it, so every problem has a position; -1 when
// there is none at all.
func locate(src string, wants []want) []int {
	root := &node{key: -1, val: -1}
	for _, w := range wants {
		n := root
		for _, seg := range segments(w.path) {
			n = n.child(seg)
		}
	}
	s := newScanner(src, root, -1)
	s.document()
	offs := make([]int, len(wants))
	for i, w := range wants {
		offs[i] = root.find(w.path, w.value)
	}
	return offs
}

func segments(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

func (n *node) child(seg string) *node {
	if c := n.kids[seg]; c != nil {
		return c
	}
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	c := &node{key: -1, val: -1}
	n.kids[seg] = c
	return c
}

func (root *node) find(path string, value bool) int {
	n, best := root, -1
	segs := segments(path)
	for i, seg := range segs {
		if n = n.kids[seg]; n == nil {
			break
		}
		if n.key >= 0 {
			best = n.key
		}
		if i == len(segs)-1 && value && n.val >= 0 {
			return n.val
		}
	}
	return best
}

// positions turns byte offsets into 1-based lines and columns (of bytes),
// in one pass over src; an offset of -1 is 1:1.
func positions(src string, offs []int) (lines, cols []int) {
	order := make([]int, len(offs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return offs[a] - offs[b] })
	lines, cols = make([]int, len(offs)), make([]int, len(offs))
	line, lineStart, at := 1, 0, 0
	for _, i := range order {
		off := max(0, min(offs[i], len(src)))
		for {
			j := strings.IndexByte(src[at:off], '\n')
			if j < 0 {
				break
			}
			at += j + 1
			line, lineStart = line+1, at
		}
		lines[i], cols[i] = line, off-lineStart+1
	}
	return lines, cols
}

func pathString(path []step) string {
	var b strings.Builder
	for i, st := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if st.idx >= 0 {
			b.WriteString(strconv.Itoa(st.idx))
		} else {
			b.WriteString(st.key)
		}
	}
	return b.String()
}

// push steps into a key (idx -1) or an array element at off; false once
// the scan is over, a limit crossed.
func (s *scanner) push(key string, idx int, off int) bool {
	if s.done {
		return false
	}
	st := step{key: key, idx: idx}
	parent := s.root
	if n := len(s.path); n > 0 {
		parent, st.keyLen = s.path[n-1].node, s.path[n-1].keyLen
	}
	if idx < 0 {
		st.keyLen += len(key)
		if len(s.path) > 0 {
			st.keyLen++
		}
	}
	if parent != nil {
		if idx >= 0 {
			key = strconv.Itoa(idx)
		}
		st.node = parent.kids[key]
	}
	s.path = append(s.path, st)
	s.entries++
	switch {
	case len(s.path) > maxDepth:
		s.fail(off, fmt.Sprintf("nested %d levels deep: expected at most %d", len(s.path), maxDepth),
			"keys, tables and arrays inside one another; bootstage's own settings nest five deep")
	case st.keyLen > maxKeyPath:
		s.fail(off, fmt.Sprintf("key path longer than %d bytes: expected a shorter key", maxKeyPath),
			"a key names a setting or a variable in a few dozen bytes")
	case s.entries > maxEntries:
		s.fail(off, fmt.Sprintf("more than %d keys, tables and array elements: expected fewer", maxEntries),
			"a service file has some dozens; split a list this long into files")
	}
	return !s.done
}

func (s *scanner) fail(off int, msg, hint string) {
	s.limit, s.hint, s.limOff, s.done = msg, hint, off, true
	s.at = slices.Clone(s.path)
}

// mark ends a scan for pathAt when the key or value just read, from off
// to here, holds the offset sought: reads return from the innermost out,
// so the first mark is the innermost.
func (s *scanner) mark(from, to int) {
	if s.stopAt >= from && s.stopAt < to && !s.done {
		s.at, s.done = slices.Clone(s.path), true
	}
}

func (s *scanner) top() *node {
	if n := len(s.path); n > 0 {
		return s.path[n-1].node
	}
	return nil
}

func (s *scanner) document() {
	for !s.done && s.i < len(s.src) {
		from := s.i
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
			s.keyValue()
		}
		if s.i == from {
			s.i++ // a byte TOML refuses here: step over it
		}
		if s.stopAt >= 0 && s.i > s.stopAt {
			return
		}
	}
}

// header reads [a.b] or [[a.b]]: the path of the keys that follow.
func (s *scanner) header() {
	start := s.i
	array := strings.HasPrefix(s.src[s.i:], "[[")
	s.i++
	if array {
		s.i++
	}
	s.path, s.buf = s.path[:0], s.buf[:0]
	s.skipSpace(false)
	keyOff := s.i
	for !s.done {
		s.skipSpace(false)
		partOff := s.i
		part, ok := s.keyPart()
		if !ok {
			break
		}
		s.skipSpace(false)
		last := s.i >= len(s.src) || s.src[s.i] != '.'
		if !s.push(part, -1, partOff) {
			return
		}
		s.buf = append(append(s.buf, 0), part...)
		n, isArray := s.aot[string(s.buf)]
		switch {
		case last && array:
			if isArray {
				n++
			} else {
				n = 0
			}
			if s.aot == nil {
				s.aot = map[string]int{}
			}
			s.aot[string(s.buf)] = n
			if node := s.top(); node != nil {
				node.key = keyOff
			}
			fallthrough
		case !last && isArray:
			if !s.push("", n, partOff) {
				return
			}
			s.buf = strconv.AppendInt(append(s.buf, 1), int64(n), 10)
		}
		if last {
			break
		}
		s.i++
	}
	if node := s.top(); node != nil {
		node.key, node.val = keyOff, start
	}
	s.skipLine()
	s.mark(start, s.i+1) // a header not closed is reported at its line end
}

// keyValue reads key = value, the key dotted or not, under the path where
// the scan stands.
func (s *scanner) keyValue() {
	keyOff, end := s.i, 0
	base := len(s.path)
	for !s.done {
		s.skipSpace(false)
		partOff := s.i
		part, ok := s.keyPart()
		if !ok {
			if len(s.path) > base {
				end = 1 // a key that ends in a point: the parser stops after it
			}
			break
		}
		if !s.push(part, -1, partOff) {
			return
		}
		s.skipSpace(false)
		if s.i >= len(s.src) || s.src[s.i] != '.' {
			break
		}
		s.i++
	}
	if node := s.top(); len(s.path) > base && node != nil {
		node.key = keyOff
	}
	s.skipSpace(false)
	if s.i < len(s.src) && s.src[s.i] == '=' {
		s.i++
	}
	s.mark(keyOff, s.i+end)
	s.skipSpace(false)
	s.value(len(s.path) > base)
	s.path = s.path[:base]
}

// value reads one value; own says whether the path where the scan stands
// is this value's (not so after a key TOML refuses).
func (s *scanner) value(own bool) {
	if s.i >= len(s.src) {
		s.mark(s.i, s.i+1) // no value before the end of the file
		return
	}
	if s.done {
		return
	}
	off, end := s.i, 0 // end: how far past s.i the value reaches
	if node := s.top(); own && node != nil {
		node.val = off
	}
	switch c := s.src[s.i]; {
	case c == '[':
		s.i++
		s.items(']')
	case c == '{':
		s.i++
		s.items('}')
	case c == '"' || c == '\'':
		if _, closed := s.str(); !closed {
			end = 1 // the parser stops at the line end after it
		}
	default:
		for s.i < len(s.src) && !strings.ContainsRune(",]}#\n", rune(s.src[s.i])) {
			s.i++
		}
		end = max(0, off+1-s.i) // no value at all: the parser stops where it should be
	}
	s.mark(off, s.i+end)
}

// items reads the elements of an array or the keys of an inline table, up
// to end. Both may span lines (inline tables since TOML 1.1).
func (s *scanner) items(end byte) {
	for n := 0; !s.done; n++ {
		s.skipSpace(true)
		s.skipComments()
		if s.i >= len(s.src) {
			return
		}
		if s.src[s.i] == end {
			s.i++
			return
		}
		from := s.i
		if end == '}' {
			s.keyValue()
		} else if s.push("", n, s.i) {
			s.value(true)
			s.path = s.path[:len(s.path)-1]
		}
		s.skipSpace(true)
		s.skipComments()
		if s.i < len(s.src) && s.src[s.i] == ',' {
			s.i++
		}
		if s.i == from {
			s.i++
		}
	}
}

// keyPart reads one part of a key, bare or quoted; false when none stands
// here.
func (s *scanner) keyPart() (string, bool) {
	if s.i >= len(s.src) {
		return "", false
	}
	c := s.src[s.i]
	if c == '"' || c == '\'' {
		raw, _ := s.str()
		if c == '"' {
			if v, err := strconv.Unquote(raw); err == nil {
				return v, true
			}
		}
		raw = raw[1:]
		return strings.TrimSuffix(raw, string(c)), true
	}
	start := s.i
	for s.i < len(s.src) && isBareKeyChar(s.src[s.i]) {
		s.i++
	}
	return s.src[start:s.i], s.i > start
}

// str skips a string of any of TOML's four kinds and returns its source,
// and whether it was closed. A one-line string ends at the end of its
// line, closed or not, as TOML reads it.
func (s *scanner) str() (string, bool) {
	start := s.i
	q := s.src[s.i]
	multi := strings.HasPrefix(s.src[s.i:], string([]byte{q, q, q}))
	if multi {
		s.i += 3
	} else {
		s.i++
	}
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\\' && q == '"':
			s.i += 2
			continue
		case c == '\n' && !multi:
			return s.src[start:s.i], false
		case c == q && !multi:
			s.i++
			return s.src[start:s.i], true
		case c == q && strings.HasPrefix(s.src[s.i:], string([]byte{q, q, q})):
			s.i += 3
			// a multi-line string may end in up to two more quotes
			for extra := 0; extra < 2 && s.i < len(s.src) && s.src[s.i] == q; extra++ {
				s.i++
			}
			return s.src[start:s.i], true
		}
		s.i++
	}
	s.i = len(s.src)
	return s.src[start:], false
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
	if j := strings.IndexByte(s.src[s.i:], '\n'); j >= 0 {
		s.i += j
	} else {
		s.i = len(s.src)
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
