package load

import (
	"github.com/bootstage/bootstage/config"

	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// doc is one TOML file being read strictly: every key read is marked, and
// whatever is left unread at the end is an unknown key. Problems carry the
// exact position of the key or value they concern, found for all of them
// at once when the reading is done (finish).
type doc struct {
	file     string
	src      string // once it is valid TOML
	problems config.Problems
	wants    []located
	// Drop-ins merged over the file (see parseMerged), and which values
	// each of them set, so that problems point into the drop-in.
	dropIns  []string
	overlays []overlay
}

// located is a position to find when the reading is done: of a problem,
// or a line someone asked for.
type located struct {
	want
	in      *dropIn // the drop-in the position is in; nil: the file itself
	problem int     // index in problems, or -1
	line    *int    // or where to put the line
}

// maxProblems is how many problems one file reports, the first in the
// file: enough to fix a file in one go, few enough that a file of
// thousands of mistakes still makes a failing unit systemd loads and a
// log one can read. (The limit on entries bounds how many there are to
// find.)
const maxProblems = 50

// table is one TOML table of a doc, at a key path.
type table struct {
	d    *doc
	path string
	m    map[string]any
	used *keySet // keys asked for
}

// keySet is the keys of a table asked for: a few dozen at most, where a
// slice beats a map, but for tables whose keys are the operator's (env),
// which may hold thousands.
type keySet struct {
	list []string
	set  map[string]bool // once list is long
}

func (k *keySet) add(key string) {
	if k.has(key) {
		return
	}
	k.list = append(k.list, key)
	switch {
	case k.set != nil:
		k.set[key] = true
	case len(k.list) > 32:
		k.set = make(map[string]bool, 2*len(k.list))
		for _, e := range k.list {
			k.set[e] = true
		}
	}
}

func (k *keySet) has(key string) bool {
	if k.set != nil {
		return k.set[key]
	}
	return slices.Contains(k.list, key)
}

// parse decodes src; a file TOML or the limits refuse is returned as a
// positioned problem.
func parse(file, src string) (*doc, table, error) {
	d := &doc{file: file}
	src = strings.TrimPrefix(src, "\uFEFF") // editors show no byte order mark: count no column for it
	if p, ok := refuse(file, src); ok {
		d.problems = append(d.problems, p)
		return d, table{}, p
	}
	// Decoding into an empty interface hands over the parser's own tables;
	// a map target would have them copied key by key.
	var v any
	if _, err := toml.Decode(src, &v); err != nil {
		p := config.Problem{File: file, Line: 1, Col: 1, Msg: err.Error()}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p = syntaxProblem(file, src, pe)
		}
		d.problems = append(d.problems, p)
		return d, table{}, p
	}
	d.src = src
	m, _ := v.(map[string]any)
	return d, d.table("", m), nil
}

// refuse checks src against the limits on a file before the TOML parser,
// which has none, is let near it.
func refuse(file, src string) (config.Problem, bool) {
	at := func(off int, key, msg, hint string) (config.Problem, bool) {
		lines, cols := positions(src, []int{off})
		return config.Problem{File: file, Line: lines[0], Col: cols[0], Key: clipKey(key), Msg: msg, Hint: hint}, true
	}
	if len(src) > maxFileSize {
		return at(maxFileSize, "", fmt.Sprintf("file larger than %d MiB: expected a few kilobytes", maxFileSize>>20),
			"reading stopped here; is this the file you meant?")
	}
	if strings.HasPrefix(src, "\xff\xfe") || strings.HasPrefix(src, "\xfe\xff") {
		return at(0, "", "UTF-16 byte order mark: expected a file in UTF-8", "convert it, e.g. iconv -f utf-16 -t utf-8")
	}
	if msg, hint, off, path := check(src); msg != "" {
		return at(off, path, msg, hint)
	}
	return config.Problem{}, false
}

func (d *doc) table(path string, m map[string]any) table {
	return table{d: d, path: path, m: m, used: &keySet{list: make([]string, 0, 32)}}
}

// errAt records a problem at the value of path (or its key).
func (d *doc) errAt(path, hint, format string, args ...any) {
	d.add(want{path, true}, hint, format, args)
}

// errAtKey records a problem at the key of path: for problems with the
// key itself (unknown, misplaced, a bad name).
func (d *doc) errAtKey(path, hint, format string, args ...any) {
	d.add(want{path, false}, hint, format, args)
}

func (d *doc) add(w want, hint, format string, args []any) {
	for i, a := range args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.String { // words of the vocabulary too
			args[i] = clip(v.String(), maxShown)
		}
	}
	in, at := d.where(w.path)
	file := d.file
	if in != nil {
		file = in.file
	}
	w.path = at
	d.wants = append(d.wants, located{want: w, in: in, problem: len(d.problems)})
	d.problems = append(d.problems, config.Problem{File: file, Key: at,
		Msg: fmt.Sprintf(format, args...), Hint: clip(hint, maxHint)})
}

// lineOf puts the line of the key at path into *line when the reading is
// done.
func (d *doc) lineOf(path string, line *int) {
	d.wants = append(d.wants, located{want: want{path, false}, problem: -1, line: line})
}

// finish finds every position asked for, in one pass over the file (and
// one over each drop-in that holds some), and returns the first
// maxProblems problems in position order.
func (d *doc) finish() config.Problems {
	// none for a file TOML refused: its problem has its position
	for _, in := range d.sources() {
		src := d.src
		if in != nil {
			src = in.src
		}
		var ws []want
		var at []int
		for i, w := range d.wants {
			if w.in == in {
				ws, at = append(ws, w.want), append(at, i)
			}
		}
		offs := locate(src, ws)
		for i := range offs {
			if offs[i] < 0 {
				offs[i] = 0
			}
		}
		lines, cols := positions(src, offs)
		for j, i := range at {
			w := d.wants[i]
			if w.problem >= 0 {
				d.problems[w.problem].Line, d.problems[w.problem].Col = lines[j], cols[j]
			}
			if w.line != nil {
				*w.line = lines[j]
			}
		}
	}
	d.wants = nil
	for i := range d.problems {
		d.problems[i].Key = clipKey(d.problems[i].Key)
	}
	d.problems.Sort()
	if n := len(d.problems) - maxProblems; n > 0 {
		d.problems = append(config.Problems{{File: d.file, Msg: fmt.Sprintf("%d more problems not shown", n),
			Hint: fmt.Sprintf("only the first %d are reported", maxProblems)}}, d.problems[:maxProblems]...)
	}
	return d.problems
}

// maxShown is how much of a value a message quotes, and maxHint how long
// a hint may grow (one lists the keys of a table): a message is read in
// one line of a log, and a failing unit holds all of a file's.
const (
	maxShown = 200
	maxHint  = 1000
)

// clip shortens s to at most n bytes, cut at a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// clipKey shortens each key of a path, so that a key of a megabyte does
// not make a message of one.
func clipKey(path string) string {
	if len(path) <= maxShown {
		return path
	}
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = clip(p, 40)
	}
	return clip(strings.Join(parts, "."), maxShown)
}

// sources are the files that positions are wanted in, the file itself
// (nil) first, each once.
func (d *doc) sources() []*dropIn {
	var out []*dropIn
	seen := map[*dropIn]bool{}
	for _, w := range d.wants {
		if !seen[w.in] {
			seen[w.in] = true
			out = append(out, w.in)
		}
	}
	return out
}

// locator finds positions in one source at once, for the few readers that
// need a position while reading (a route's host port, an image's ref)
// rather than when the reading is done.
type locator struct{ src string }

func newLocator(src string) *locator { return &locator{src} }

// key is the line and column of the key at path; value of its value.
func (l *locator) key(path string) (line, col int)   { return l.find(want{path, false}) }
func (l *locator) value(path string) (line, col int) { return l.find(want{path, true}) }

func (l *locator) find(w want) (line, col int) {
	offs := locate(l.src, []want{w})
	lines, cols := positions(l.src, []int{max(offs[0], 0)})
	return lines[0], cols[0]
}

// locator finds positions in d's own file now.
func (d *doc) locator() *locator { return newLocator(d.src) }

func (t table) key(k string) string { return join(t.path, k) }

// get marks k as known and returns its value.
func (t table) get(k string) (any, bool) {
	t.used.add(k)
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
		if !t.used.has(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return
	}
	known := slices.Clone(t.used.list)
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
