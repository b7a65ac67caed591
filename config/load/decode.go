package load

import (
	"github.com/bootstage/bootstage/config"

	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// doc is one TOML file being read strictly: every key read is marked, and
// whatever is left unread at the end is an unknown key. Problems carry the
// exact position of the key or value they concern.
type doc struct {
	file     string
	loc      *locator
	problems config.Problems
	src      string
	// Drop-ins merged over the file (see parseMerged), and which values
	// each of them set, so that problems point into the drop-in.
	dropIns  []string
	overlays []overlay
}

// table is one TOML table of a doc, at a key path.
type table struct {
	d    *doc
	path string
	m    map[string]any
	used *[]string // keys asked for: a few dozen at most, so a slice beats a map
}

// parse decodes src; a syntax error is returned as a positioned problem.
func parse(file, src string) (*doc, table, error) {
	d := &doc{file: file}
	// Decoding into an empty interface hands over the parser's own tables;
	// a map target would have them copied key by key.
	var v any
	if _, err := toml.Decode(src, &v); err != nil {
		p := config.Problem{File: file, Line: 1, Col: 1, Msg: err.Error()}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p.Line, p.Col = pe.Position.Line, column(src, pe.Position.Start)
			p.Msg = strings.TrimPrefix(pe.Message, "toml: ")
			p.Key = pe.LastKey
		}
		d.problems = append(d.problems, p)
		return d, table{}, p
	}
	d.src = src
	m, _ := v.(map[string]any)
	return d, d.table("", m), nil
}

// column is the 1-based column of byte offset off; the TOML library
// reports some errors at offset -1, so off is clamped into src.
func column(src string, off int) int {
	off = max(0, min(off, len(src)))
	return off - strings.LastIndexByte(src[:off], '\n')
}

func (d *doc) table(path string, m map[string]any) table {
	used := make([]string, 0, 32)
	return table{d: d, path: path, m: m, used: &used}
}

// errAt records a problem at the value of path (or its key).
func (d *doc) errAt(path, hint, format string, args ...any) {
	file, loc, at := d.where(path)
	line, col := loc.value(at)
	d.problems = append(d.problems, config.Problem{File: file, Line: line, Col: col, Key: at,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// errAtKey records a problem at the key of path: for problems with the
// key itself (unknown, misplaced, a bad name).
func (d *doc) errAtKey(path, hint, format string, args ...any) {
	file, loc, at := d.where(path)
	line, col := loc.key(at)
	d.problems = append(d.problems, config.Problem{File: file, Line: line, Col: col, Key: at,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (t table) key(k string) string { return join(t.path, k) }

// get marks k as known and returns its value.
func (t table) get(k string) (any, bool) {
	if !slices.Contains(*t.used, k) {
		*t.used = append(*t.used, k)
	}
	v, ok := t.m[k]
	return v, ok
}

// has reports whether k is set, marking it known.
func (t table) has(k string) bool {
	_, ok := t.get(k)
	return ok
}

// done reports every key of t that no accessor asked for.
func (t table) done() {
	var unknown []string
	for k := range t.m {
		if !slices.Contains(*t.used, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return
	}
	known := slices.Clone(*t.used)
	sort.Strings(known)
	sort.Strings(unknown)
	for _, k := range unknown {
		hint := ""
		if c := config.Closest(k, known); c != "" {
			hint = fmt.Sprintf("did you mean %q?", c)
		} else {
			hint = "known keys here: " + strings.Join(known, ", ")
		}
		t.d.errAtKey(t.key(k), hint, "unknown key")
	}
}

func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return fmt.Sprintf("integer %d", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// str reads a string; def when absent.
func (t table) str(k, def string) string {
	v, ok := t.get(k)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		t.d.errAt(t.key(k), "", "expected a string, got %s", typeName(v))
		return def
	}
	return s
}

// enum reads a word that must be one of allowed; def when absent.
func enum[T ~string](t table, k string, def T, allowed []T) T {
	if !t.has(k) {
		return def
	}
	s := T(t.str(k, string(def)))
	if slices.Contains(allowed, s) {
		return s
	}
	shown := config.Words(allowed)
	hint := "expected one of: " + strings.Join(shown, ", ")
	if c := config.Closest(string(s), shown); c != "" {
		hint = fmt.Sprintf("did you mean %q? expected one of: %s", c, strings.Join(shown, ", "))
	}
	t.d.errAt(t.key(k), hint, "unknown value %q", s)
	return def
}

// strings reads an array of strings.
func (t table) strs(k string) []string {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		t.d.errAt(t.key(k), "", "expected an array of strings, got %s", typeName(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.d.errAt(join(t.key(k), strconv.Itoa(i)), "", "expected a string, got %s", typeName(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

// integer reads an integer in [lo, hi].
func (t table) integer(k string, def, lo, hi int) int {
	v, ok := t.get(k)
	if !ok {
		return def
	}
	n, ok := v.(int64)
	if !ok {
		t.d.errAt(t.key(k), "", "expected an integer, got %s", typeName(v))
		return def
	}
	if n < int64(lo) || n > int64(hi) {
		t.d.errAt(t.key(k), "", "expected an integer from %d to %d, got %d", lo, hi, n)
		return def
	}
	return int(n)
}

func (t table) boolean(k string) bool {
	v, ok := t.get(k)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		t.d.errAt(t.key(k), "", "expected true or false, got %s", typeName(v))
	}
	return b
}

// duration reads a Go duration string ("90s", "2m30s") or whole seconds.
func (t table) duration(k string, def time.Duration) time.Duration {
	v, ok := t.get(k)
	if !ok {
		return def
	}
	const hint = `a duration such as "90s", "2m" or "1h30m"`
	switch v := v.(type) {
	case int64:
		if v < 0 {
			t.d.errAt(t.key(k), hint, "negative duration %d", v)
			return def
		}
		return time.Duration(v) * time.Second
	case string:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			t.d.errAt(t.key(k), hint, "invalid duration %q", v)
			return def
		}
		return d
	}
	t.d.errAt(t.key(k), hint, "expected a duration, got %s", typeName(v))
	return def
}

// sub reads a table; ok is false when absent or not a table.
func (t table) sub(k string) (table, bool) {
	v, ok := t.get(k)
	if !ok {
		return table{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.d.errAt(t.key(k), "", "expected a table, got %s", typeName(v))
		return table{}, false
	}
	return t.d.table(t.key(k), m), true
}

// tables reads an array of tables ([[k]]).
func (t table) tables(k string) []table {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	var ms []map[string]any
	switch v := v.(type) {
	case []map[string]any:
		ms = v
	case []any:
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				t.d.errAt(join(t.key(k), strconv.Itoa(i)), "", "expected a table, got %s", typeName(e))
				continue
			}
			ms = append(ms, m)
		}
	default:
		t.d.errAt(t.key(k), fmt.Sprintf("write it as [[%s]]", k), "expected an array of tables, got %s", typeName(v))
	}
	out := make([]table, len(ms))
	for i, m := range ms {
		out[i] = t.d.table(join(t.key(k), strconv.Itoa(i)), m)
	}
	return out
}

func (d *doc) locator() *locator {
	if d.loc == nil {
		d.loc = newLocator(d.src)
	}
	return d.loc
}
