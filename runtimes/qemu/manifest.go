package qemu

import (
	"sort"
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// Manifest is the root tuple of a Nanos image, which Nanos's mkfs reads on
// its standard input: the root filesystem, the program the kernel runs,
// its whole argv and environment, and where 9p volumes are mounted. Text
// writes it in Nanos's tuple syntax (src/runtime/tuple_parser.c in Nanos).
type Manifest struct {
	Program string          // the ELF the kernel runs: a path in the image
	Args    []string        // its whole argv, argv[0] first
	Env     []config.EnvVar // its whole environment: Nanos adds nothing
	Files   []ManifestFile  // the files of the root filesystem
	Mounts  []Mount         // the 9p volumes and their mount points
}

// ManifestFile is one file of an image's root filesystem: Path in the
// image, copied from Host, a path relative to mkfs's working directory.
type ManifestFile struct{ Path, Host string }

// Mount is one virtio-9p volume of a unikernel: qemu shares it under the
// mount tag Tag (a number: Nanos ignores any other tag), which the guest
// sees as the volume "virtfsTAG" and mounts at Path, read-only when
// ReadOnly.
type Mount struct {
	Tag      int
	Path     string
	ReadOnly bool
}

// Volume is the name Nanos gives the 9p volume of m.
func (m Mount) Volume() string { return "virtfs" + strconv.Itoa(m.Tag) }

// Text is the manifest in Nanos's syntax, one entry per line. Every mount
// point is a directory of the root filesystem (Nanos mounts only on one),
// and the kernel exits through qemu's isa-debug-exit device (debug_exit),
// so qemu's exit status tells a program that failed from one that exited
// 0 (see the unit's SuccessExitStatus=).
func (m Manifest) Text() string {
	var b strings.Builder
	b.WriteString("(\n    children:(\n")
	root := &dirNode{}
	for _, f := range m.Files {
		root.file(f.Path, f.Host)
	}
	for _, mt := range m.Mounts {
		root.dir(mt.Path)
	}
	root.write(&b, 2)
	b.WriteString("    )\n")
	b.WriteString("    program:" + tupleValue(m.Program) + "\n")
	b.WriteString("    arguments:[")
	for i, a := range m.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tupleValue(a))
	}
	b.WriteString("]\n    environment:(")
	for i, e := range m.Env {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tupleName(e.Key) + ":" + tupleValue(e.Value))
	}
	b.WriteString(")\n")
	if len(m.Mounts) > 0 {
		b.WriteString("    mounts:(")
		for i, mt := range m.Mounts {
			if i > 0 {
				b.WriteByte(' ')
			}
			p := mt.Path
			if mt.ReadOnly {
				p += ":ro" // Nanos's own syntax: the kernel refuses writes
			}
			b.WriteString(mt.Volume() + ":" + tupleValue(p))
		}
		b.WriteString(")\n")
	}
	b.WriteString("    debug_exit:t\n)\n")
	return b.String()
}

// dirNode is a directory of the root filesystem being laid out.
type dirNode struct {
	dirs  map[string]*dirNode
	files map[string]string // name -> host path
}

func (d *dirNode) child(name string) *dirNode {
	if d.dirs == nil {
		d.dirs = map[string]*dirNode{}
	}
	if d.dirs[name] == nil {
		d.dirs[name] = &dirNode{}
	}
	return d.dirs[name]
}

// dir makes the directory p and its parents.
func (d *dirNode) dir(p string) *dirNode {
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		if name != "" {
			d = d.child(name)
		}
	}
	return d
}

func (d *dirNode) file(p, host string) {
	parent, name := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		parent, name = p[:i], p[i+1:]
	}
	dir := d.dir(parent)
	if dir.files == nil {
		dir.files = map[string]string{}
	}
	dir.files[name] = host
}

// write writes the entries of d, sorted, at depth levels of indentation.
func (d *dirNode) write(b *strings.Builder, depth int) {
	names := make([]string, 0, len(d.dirs)+len(d.files))
	for n := range d.dirs {
		names = append(names, n)
	}
	for n := range d.files {
		if d.dirs[n] == nil { // Validate refuses a file where a directory is
			names = append(names, n)
		}
	}
	sort.Strings(names)
	indent := strings.Repeat("    ", depth)
	for _, n := range names {
		b.WriteString(indent + tupleName(n) + ":")
		if sub := d.dirs[n]; sub != nil {
			if len(sub.dirs)+len(sub.files) == 0 {
				b.WriteString("(children:())\n")
				continue
			}
			b.WriteString("(children:(\n")
			sub.write(b, depth+1)
			b.WriteString(indent + "))\n")
			continue
		}
		b.WriteString("(contents:(host:" + tupleValue(d.files[n]) + "))\n")
	}
}

// tupleValue writes s as a value of Nanos's tuple syntax: as it is when it
// holds only characters that cannot end or start anything, else quoted,
// with \ before " and \. An unquoted value would end at a blank or a
// bracket, and a leading # would start a comment.
func tupleValue(s string) string {
	return quoteUnless(s, func(c byte) bool { return isPlainName(c) || strings.IndexByte("/:=,+@%", c) >= 0 })
}

// tupleName writes s as a name (a key of a tuple), which also ends at
// ":", "|" and "/".
func tupleName(s string) string { return quoteUnless(s, isPlainName) }

func isPlainName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

func quoteUnless(s string, plain func(byte) bool) string {
	quote := s == ""
	for i := 0; i < len(s) && !quote; i++ {
		quote = !plain(s[i])
	}
	if !quote {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
