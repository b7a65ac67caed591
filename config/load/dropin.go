package load

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// dropIns lists the drop-ins of KIND/NAME.toml (DESIGN §2.2):
// KIND/NAME.toml.d/*.toml from every directory of dirs, a file name in a
// higher directory hiding the same name below and a symlink to /dev/null
// masking it, in file-name order, as systemd orders a unit's drop-ins.
func dropIns(dirs []string, kind, name string) []string {
	byName := map[string]string{}
	for _, d := range dirs {
		dir := filepath.Join(d, kind, name+".toml.d")
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue // unreadable: the directory is skipped, as systemd does
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
				continue
			}
			if _, seen := byName[e.Name()]; seen {
				continue
			}
			file := filepath.Join(dir, e.Name())
			if e.Type()&fs.ModeSymlink != 0 && isDevNull(file) {
				file = "" // masked
			}
			byName[e.Name()] = file
		}
	}
	var files []string
	for _, f := range byName {
		if f != "" {
			files = append(files, f)
		}
	}
	sort.Slice(files, func(i, j int) bool { return filepath.Base(files[i]) < filepath.Base(files[j]) })
	return files
}

// overlay says that the value at path (and below) of a merged document
// came from a drop-in, where it stands at dpath.
type overlay struct {
	path, dpath string
	in          *dropIn
}

// dropIn is one drop-in file as merged.
type dropIn struct{ file, src string }

// parseMerged parses file and merges its drop-ins over it, in order: a
// key replaces, a table merges key by key, [[components]] merge by name,
// arrays replace. A drop-in that does not parse is a problem of its own
// and is left out.
func parseMerged(file, src string, drops []string) (*doc, table, error) {
	d, t, err := parse(file, src)
	if err != nil || len(drops) == 0 {
		return d, t, err
	}
	for _, f := range drops {
		dsrc, err := readSmall(f)
		if err != nil {
			d.problems = append(d.problems, config.Problem{File: f, Msg: err.Error()})
			continue
		}
		dd, dt, err := parse(f, dsrc)
		if err != nil {
			d.problems = append(d.problems, dd.problems...)
			continue
		}
		d.dropIns = append(d.dropIns, f)
		d.merge(t.m, dt.m, "", "", &dropIn{file: f, src: dsrc})
	}
	return d, t, nil
}

func (d *doc) merge(dst, src map[string]any, path, dpath string, in *dropIn) {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, p, dp := src[k], join(path, k), join(dpath, k)
		if k == "components" && path == "" {
			if s, ok := tableList(v); ok {
				if b, ok := tableList(dst[k]); ok {
					dst[k] = d.mergeComponents(b, s, in)
					continue
				}
			}
		}
		dm, dok := dst[k].(map[string]any)
		sm, sok := v.(map[string]any)
		if dok && sok {
			d.merge(dm, sm, p, dp, in)
			continue
		}
		dst[k] = v
		d.overlays = append(d.overlays, overlay{path: p, dpath: dp, in: in})
	}
}

// mergeComponents merges each component of a drop-in into the one of the
// same name (a table without name is the service's unnamed component),
// and appends those that are new.
func (d *doc) mergeComponents(base, add []map[string]any, in *dropIn) []map[string]any {
	for j, c := range add {
		name, _ := c["name"].(string)
		dpath := "components." + strconv.Itoa(j)
		found := false
		for i, b := range base {
			if bn, _ := b["name"].(string); bn == name {
				d.merge(b, c, "components."+strconv.Itoa(i), dpath, in)
				found = true
				break
			}
		}
		if !found {
			d.overlays = append(d.overlays, overlay{path: "components." + strconv.Itoa(len(base)), dpath: dpath, in: in})
			base = append(base, c)
		}
	}
	return base
}

// tableList reads an array of tables however the decoder gave it.
func tableList(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// where is the drop-in that holds path (nil: the file itself), and path
// as spelled there: a drop-in's when a drop-in set it (the last one that
// did).
func (d *doc) where(path string) (*dropIn, string) {
	for i := len(d.overlays) - 1; i >= 0; i-- {
		o := d.overlays[i]
		if path == o.path || strings.HasPrefix(path, o.path+".") {
			return o.in, o.dpath + path[len(o.path):]
		}
	}
	return nil, path
}
