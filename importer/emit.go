package importer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// tomlDoc writes a TOML file in the order its keys are given, the way an
// operator would: bootstage's files are read by people first.
type tomlDoc struct{ b strings.Builder }

func (d *tomlDoc) String() string { return d.b.String() }

func (d *tomlDoc) comment(format string, args ...any) {
	fmt.Fprintf(&d.b, "# %s\n", fmt.Sprintf(format, args...))
}

// table starts [name] or, with many, [[name]], after a blank line.
func (d *tomlDoc) table(name string, many bool) {
	if d.b.Len() > 0 {
		d.b.WriteByte('\n')
	}
	if many {
		fmt.Fprintf(&d.b, "[[%s]]\n", name)
	} else {
		fmt.Fprintf(&d.b, "[%s]\n", name)
	}
}

// kv writes key = value for a string, int, bool, float64, []string,
// map[string]string (an inline table, sorted by key), an inline table in
// its own order, or []any of those.
func (d *tomlDoc) kv(key string, v any) {
	fmt.Fprintf(&d.b, "%s = %s\n", tomlKey(key), tomlValue(v))
}

func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return tomlString(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = tomlString(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case inline:
		return v.String()
	case []any:
		q := make([]string, len(v))
		for i, e := range v {
			q[i] = tomlValue(e)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = tomlKey(k) + " = " + tomlString(v[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	panic(fmt.Sprintf("importer: no TOML for %T", v))
}

// tomlString is a basic string: " and \ escaped, control characters as
// \uXXXX, everything else as it is.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKey is a bare key where TOML allows one, else a quoted one.
func tomlKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return tomlString(k)
		}
	}
	return k
}
