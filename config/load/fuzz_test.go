package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// FuzzParse holds the scanner to the TOML parser on any bytes:
//
//   - a file the limits let through is, as the parser reads it, no deeper
//     than maxDepth and has no longer key path than maxKeyPath (the parser
//     is safe on it); a small file the scanner finds too deep, the parser
//     finds too deep as well, or refuses;
//   - every syntax error the parser reports has a message of bootstage's
//     own (syntaxMessages), at a position inside the file;
//   - in a valid file, the locator finds the key (or, in an array, the
//     value) of every leaf.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"../../contrib/examples/three-stage/services", "../../contrib/examples/minimal/services", "../../generator/testdata/cases/escaping/services"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(string(src))
			}
		}
	}
	for _, tc := range syntaxCases {
		if len(tc.service) < 4096 {
			f.Add(tc.service)
		}
	}
	f.Add("a = [[1, [2]], {b = {c = [{d = 'x'}]}}]\n[[t]]\n[t.u]\nv.w = 1\n[[t]]\n")
	f.Fuzz(func(t *testing.T, src string) {
		defer time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hung on %q", src)) }).Stop()
		src = strings.TrimPrefix(src, "\uFEFF") // as parse does
		if len(src) > maxFileSize || strings.HasPrefix(src, "\xff\xfe") || strings.HasPrefix(src, "\xfe\xff") {
			return // refused before anything reads it
		}
		msg, _, off, _ := check(src)
		if off < 0 || off > len(src) {
			t.Fatalf("limit at offset %d of %d", off, len(src))
		}
		if msg != "" {
			if len(src) <= 4096 && strings.HasPrefix(msg, "nested") {
				if v, err := decode(src); err == nil && depth(v) <= maxDepth {
					t.Fatalf("refused as %s, but the parser nests it %d deep", msg, depth(v))
				}
			}
			return
		}
		v, err := decode(src)
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if _, _, _, ok := syntaxMessage(pe.Message); !ok {
				t.Fatalf("no message of bootstage's for %q", pe.Message)
			}
			p := syntaxProblem("x.toml", src, pe)
			if p.Line < 1 || p.Col < 1 || p.Line > strings.Count(src, "\n")+1 {
				t.Fatalf("%v: outside the file", p)
			}
			return
		}
		if err != nil {
			t.Fatalf("not a ParseError: %v", err)
		}
		if d := depth(v); d > maxDepth {
			t.Fatalf("let through, but the parser nests it %d deep", d)
		}
		if n := longestKeyPath(v, 0); n > maxKeyPath {
			t.Fatalf("let through, but a key path is %d bytes", n)
		}
		checkLeaves(t, src, v)
	})
}

func decode(src string) (any, error) {
	var v any
	_, err := toml.Decode(src, &v)
	return v, err
}

// depth is how many keys and indices the longest path in v has.
func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			d = max(d, 1+depth(e))
		}
	case []map[string]any:
		for _, e := range v {
			d = max(d, 1+depth(e))
		}
	case []any:
		for _, e := range v {
			d = max(d, 1+depth(e))
		}
	}
	return d
}

func longestKeyPath(v any, n int) int {
	longest := n
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			m := n + len(k)
			if n > 0 {
				m++
			}
			longest = max(longest, longestKeyPath(e, m))
		}
	case []map[string]any:
		for _, e := range v {
			longest = max(longest, longestKeyPath(e, n))
		}
	case []any:
		for _, e := range v {
			longest = max(longest, longestKeyPath(e, n))
		}
	}
	return longest
}

// checkLeaves locates every leaf of v whose keys hold no dot (a dot in a
// key cannot be told from a dotted path): a table's leaf by its key, an
// array's by its value.
func checkLeaves(t *testing.T, src string, v any) {
	type leaf struct {
		path    string
		inArray bool
	}
	var leaves []leaf
	var walk func(path string, v any, inArray bool)
	walk = func(path string, v any, inArray bool) {
		var kids int
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if strings.Contains(k, ".") || k == "" {
					kids++ // not to be located, but not a leaf either
					continue
				}
				kids++
				walk(join(path, k), e, false)
			}
		case []map[string]any:
			for i, e := range v {
				kids++
				walk(join(path, strconv.Itoa(i)), e, true)
			}
		case []any:
			for i, e := range v {
				kids++
				walk(join(path, strconv.Itoa(i)), e, true)
			}
		}
		if kids == 0 && path != "" {
			leaves = append(leaves, leaf{path, inArray})
		}
	}
	walk("", v, false)
	if len(leaves) == 0 {
		return
	}
	root := &node{key: -1, val: -1}
	for _, l := range leaves {
		n := root
		for _, seg := range segments(l.path) {
			n = n.child(seg)
		}
	}
	s := newScanner(src, root, -1)
	s.document()
	for _, l := range leaves {
		n := root
		for _, seg := range segments(l.path) {
			n = n.kids[seg]
		}
		if l.inArray && n.val < 0 || !l.inArray && n.key < 0 {
			t.Fatalf("%s not located (key %d, value %d)", l.path, n.key, n.val)
		}
		if !l.inArray {
			if c := s.src[n.key]; !isBareKeyChar(c) && c != '"' && c != '\'' && c != '[' {
				t.Fatalf("%s located at %q, not at a key", l.path, s.src[n.key:min(len(s.src), n.key+20)])
			}
		}
	}
}
