package load

import (
	"github.com/bootstage/bootstage/config"

	"fmt"
	"path"
)

// Settings reads the bootstage.toml that wins in dirs (the first that has
// one, as for stages.toml). Without one, or when it is invalid, the
// settings are the zero Settings (every default) and the problems say why.
func Settings(dirs []string) (config.Settings, config.Problems) {
	file, src, ps := readNodeFile(dirs)
	if file == "" || ps != nil {
		return config.Settings{}, ps
	}
	return ParseSettings(file, src)
}

// ParseSettings reads one bootstage.toml, strictly: unknown keys are
// errors, as everywhere.
func ParseSettings(file, src string) (config.Settings, config.Problems) {
	d, t, err := parse(file, src)
	if err != nil {
		return config.Settings{}, d.problems
	}
	s := config.Settings{Source: file}
	if u, ok := t.sub("unikernel"); ok {
		s.Unikernel = config.NanosFiles{
			Kernel: absSetting(u, "kernel"),
			Boot:   absSetting(u, "boot"),
			Mkfs:   absSetting(u, "mkfs"),
		}
		u.done()
	}
	// [routes] is read by ParseNode (node.go), with the tree; this reader
	// is the one that refuses unknown tables of the file.
	t.has("routes")
	t.done()
	checkStrings(d, t)
	if ps := d.finish(); len(ps) > 0 {
		return config.Settings{}, ps
	}
	return s, nil
}

// absSetting reads an absolute path and where it stands.
func absSetting(t table, k string) config.Setting {
	v := t.str(k, "")
	if v == "" {
		if t.has(k) {
			t.d.errAt(t.key(k), "leave the key out to look in "+defaultNanosDirs(), "an empty path")
		}
		return config.Setting{}
	}
	line, col := t.d.locator().value(t.key(k))
	if !path.IsAbs(v) {
		t.d.errAt(t.key(k), "", "expected an absolute path, got %q", v)
	}
	return config.Setting{Value: v, At: fmt.Sprintf("%s:%d:%d", t.d.file, line, col)}
}

func defaultNanosDirs() string {
	s := ""
	for i, d := range config.NanosDirs {
		if i > 0 {
			s += " and "
		}
		s += d
	}
	return s
}
