package importer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// resourceFile writes a node resource file (networks/, volumes/, images/,
// secrets/: DESIGN §2.1): a comment saying where it came from, its keys
// in order, then its driver options as [options].
func resourceFile(from string, kvs []kv, options map[string]string) string {
	var d tomlDoc
	d.comment("%s", from)
	for _, e := range kvs {
		d.kv(e.key, e.val)
	}
	if len(options) > 0 {
		d.table("options", false)
		for _, k := range sortedStrings(options) {
			d.kv(k, options[k])
		}
	}
	return d.String()
}

func sortedStrings(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// size reads a memory size as compose, Quadlet and podman write it: a
// number of bytes, or a number (a fraction too) and b, k, m or g, with
// an optional b after the unit ("512M", "1gb", "1.5g"). It returns bytes.
func size(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 2 && s[len(s)-1] == 'b' && strings.ContainsRune("kmg", rune(s[len(s)-2])) {
		s = s[:len(s)-1]
	}
	shift := 0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'b':
			s = s[:n-1]
		case 'k':
			s, shift = s[:n-1], 10
		case 'm':
			s, shift = s[:n-1], 20
		case 'g':
			s, shift = s[:n-1], 30
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	b := int64(f * float64(int64(1)<<shift))
	return b, b > 0
}

// sizeValue is bytes as bootstage's memory key takes it: the largest
// unit that divides it ("512M"), else the number of bytes.
func sizeValue(b int64) any {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"G", 30}, {"M", 20}, {"k", 10}} {
		if b%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", b>>u.shift, u.suffix)
		}
	}
	return b
}

// inline is a TOML inline table written in the order of its keys.
type inline []kv

func (t inline) String() string {
	parts := make([]string, len(t))
	for i, e := range t {
		parts[i] = tomlKey(e.key) + " = " + tomlValue(e.val)
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// secretRef is one entry of a component's secrets: its name alone when
// it has nothing but bootstage's defaults, else a table.
func secretRef(name string, opts []kv) any {
	if len(opts) == 0 {
		return name
	}
	return append(inline{{"name", name}}, opts...)
}

// limit sets a component's memory, cpus or pids_limit (what) from v, as
// compose, Quadlet and podman write them; a pids limit of -1 (none) is
// podman's --pids-limit=-1, as bootstage's pids_limit is positive.
func limit(kvs *[]kv, what, v string, at Pos, key, to string, r *Report) {
	for _, e := range *kvs {
		if e.key == what {
			r.left(at, key, "%s is set already", what)
			return
		}
	}
	switch what {
	case "memory":
		b, ok := size(v)
		if !ok {
			r.fail(at, key, `a size such as "512M"`, "invalid memory size %q", v)
			return
		}
		*kvs = append(*kvs, kv{"memory", sizeValue(b)})
	case "cpus":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			r.fail(at, key, "a number such as 1.5", "invalid cpus %q", v)
			return
		}
		*kvs = append(*kvs, kv{"cpus", f})
	case "pids_limit":
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 {
			r.fail(at, key, "a number of processes, or -1 for none", "invalid pids limit %q", v)
			return
		}
		if n == -1 {
			*kvs = append(*kvs, kv{"podman_args", []string{"--pids-limit=-1"}})
			r.mapped(at, key, to+".podman_args --pids-limit=-1 (no limit)")
			return
		}
		*kvs = append(*kvs, kv{"pids_limit", n})
	}
	r.mapped(at, key, to+"."+what)
}

// writeKeys writes a component's keys in order, podman_args gathered
// from wherever they came (a healthcheck, a limit, podman's own). It
// says whether an image was among them.
func writeKeys(d *tomlDoc, kvs []kv, order []string) bool {
	image := false
	for _, k := range order {
		var args []string
		for _, e := range kvs {
			switch {
			case e.key == k && k == "podman_args":
				args = append(args, e.val.([]string)...)
			case e.key == k:
				d.kv(e.key, e.val)
				image = image || k == "image"
			}
		}
		if len(args) > 0 {
			d.kv(k, args)
		}
	}
	return image
}
