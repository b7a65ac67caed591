package load

import (
	"github.com/bootstage/bootstage/config"

	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// NodeFile is the file of node-wide settings beside stages.toml.
const NodeFile = "bootstage.toml"

// loadNode reads the bootstage.toml that wins in dirs; without one, every
// node-wide setting is its default.
func loadNode(dirs []string) (config.Node, config.Problems) {
	file, src, ps := readNodeFile(dirs)
	if file == "" || ps != nil {
		return config.Node{}, ps
	}
	return ParseNode(file, src)
}

// readNodeFile reads the bootstage.toml that wins in dirs, as every
// configuration file is read (readSmall: bounded, never waiting on a
// FIFO); "" when there is none.
func readNodeFile(dirs []string) (file, src string, ps config.Problems) {
	for _, d := range absolute(dirs) {
		file := filepath.Join(d, NodeFile)
		src, err := readSmall(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return file, "", config.Problems{{File: file, Msg: err.Error()}}
		}
		return file, src, nil
	}
	return "", "", nil
}

// ParseNode reads the [routes] table of bootstage.toml:
//
//	[routes]
//	range = [10000, 60000]   # the host ports routes are given
//	hook = "/usr/local/bin/proxy-routes"
//
// Its other tables are for their own readers: this one does not call the
// file's top level unknown.
func ParseNode(file, src string) (config.Node, config.Problems) {
	n := config.Node{Source: file}
	d, t, err := parse(file, src)
	if err != nil {
		return n, d.problems
	}
	if rt, ok := t.sub("routes"); ok {
		n.Routes = parseRouteSettings(rt)
		rt.done()
	}
	checkStrings(d, t)
	return n, d.finish()
}

func parseRouteSettings(t table) config.RouteSettings {
	var s config.RouteSettings
	const hint = "range = [10000, 60000]"
	if t.has("range") {
		v, _ := t.get("range")
		arr, ok := v.([]any)
		lo, okLo := elem(arr, 0)
		hi, okHi := elem(arr, 1)
		switch {
		case !ok || len(arr) != 2 || !okLo || !okHi:
			t.d.errAt(t.key("range"), hint, "expected two port numbers, got %s", typeName(v))
		case lo < 1 || hi > 65535 || lo > hi:
			t.d.errAt(t.key("range"), hint, "expected a low and a high port from 1 to 65535, got %d to %d", lo, hi)
		default:
			s.Low, s.High = int(lo), int(hi)
		}
	}
	s.Hook = t.str("hook", "")
	if s.Hook != "" && !strings.HasPrefix(s.Hook, "/") {
		t.d.errAt(t.key("hook"), "", "expected an absolute path, got %q", s.Hook)
		s.Hook = ""
	}
	return s
}

func elem(arr []any, i int) (int64, bool) {
	if i >= len(arr) {
		return 0, false
	}
	n, ok := arr[i].(int64)
	return n, ok
}
