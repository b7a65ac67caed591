package units

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// File is one unit file under construction: its name, the comment that
// heads it, and its sections in the order they were first asked for.
// Setters never fail: the first problem is kept and reported by Err, so a
// runtime can describe a unit in straight-line code (as bufio.Scanner does).
type File struct {
	Name     string
	Header   []string // comment lines, without "# "
	sections []*Section
	err      error
}

// Section is one [Name] section; entries keep the order they were added.
type Section struct {
	Name    string
	Entries []Entry
	file    *File
}

// Entry is one Key=Value line, Value already escaped for its setting.
// Lines holds continuation lines for long Exec*= values.
type Entry struct {
	Key   string
	Value string
	Lines []string
}

// NewFile starts a unit file.
func NewFile(name string, header ...string) *File {
	return &File{Name: name, Header: header}
}

// Err returns the first problem met while filling f.
func (f *File) Err() error { return f.err }

// Fail records err (with the setting it concerns) unless f already failed.
func (f *File) fail(key string, err error) {
	if f.err == nil && err != nil {
		f.err = fmt.Errorf("%s: %s=: %w", f.Name, key, err)
	}
}

// Section returns the section called name, adding it at the end if new.
func (f *File) Section(name string) *Section {
	for _, s := range f.sections {
		if s.Name == name {
			return s
		}
	}
	s := &Section{Name: name, file: f}
	f.sections = append(f.sections, s)
	return s
}

// Sections returns the sections in order.
func (f *File) Sections() []*Section { return f.sections }

// Lookup returns the values of key in section, in order.
func (f *File) Lookup(section, key string) []string {
	var vs []string
	for _, s := range f.sections {
		if s.Name != section {
			continue
		}
		for _, e := range s.Entries {
			if e.Key == key {
				vs = append(vs, e.Value)
			}
		}
	}
	return vs
}

func (s *Section) add(key, value string, lines ...string) {
	if err := CheckValue(value); err != nil {
		s.file.fail(key, err)
		return
	}
	for _, v := range lines {
		if err := CheckValue(v); err != nil {
			s.file.fail(key, err)
			return
		}
	}
	if n := lineLen(key, value, lines); n > MaxLineLen {
		s.file.fail(key, fmt.Errorf("%w: %d bytes, systemd reads at most %d", ErrLineTooLong, n, MaxLineLen))
		return
	}
	if s.Entries == nil {
		s.Entries = make([]Entry, 0, 16)
	}
	s.Entries = append(s.Entries, Entry{Key: key, Value: value, Lines: lines})
}

// Text adds a free-text setting (Description=, paths, durations): "%" is
// escaped, and a value that systemd would misread is refused.
func (s *Section) Text(key, value string) {
	if strings.HasSuffix(value, `\`) {
		s.file.fail(key, ErrTrailingBackslash)
		return
	}
	if strings.TrimSpace(value) != value {
		s.file.fail(key, ErrSurroundingSpace)
		return
	}
	s.add(key, escapeSpecifiers(value))
}

// Literal adds a value bootstage wrote itself, specifiers meant as such
// ("%t/%N.cid"). Never pass configuration through Literal.
func (s *Section) Literal(key, value string) {
	s.add(key, value)
}

// Names adds a space-separated list of unit names (After=, Wants=, ...).
// Nothing is added for an empty list. A list too long for one line is
// split over several lines of the same key, which systemd adds up.
func (s *Section) Names(key string, names ...string) {
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t%$\"'") || len(n) > MaxNameLen {
			s.file.fail(key, fmt.Errorf("invalid unit name %q", n))
			return
		}
	}
	for len(names) > 0 {
		n, size := 1, len(key)+1+len(names[0])
		for n < len(names) && size+1+len(names[n]) <= MaxLineLen {
			size += 1 + len(names[n])
			n++
		}
		s.add(key, strings.Join(names[:n], " "))
		names = names[n:]
	}
}

// Env adds one Environment="KEY=VALUE" assignment, quoted and escaped.
func (s *Section) Env(name, value string) {
	if name == "" || strings.ContainsAny(name, "= \t") {
		s.file.fail("Environment", fmt.Errorf("invalid variable name %q", name))
		return
	}
	if !utf8.ValidString(name + value) { // systemd ignores such an assignment
		s.file.fail("Environment", ErrNotUTF8)
		return
	}
	s.add("Environment", quoteWord(name+"="+value, false))
}

// Exec adds an Exec*= command line. prefix is systemd's executable prefix
// ("", "-", "+", ...); argv[0] must be an absolute path. Each group is one
// line of the rendered value: the first holds argv[0] and what follows it,
// later groups become continuation lines, so that `systemctl cat` shows one
// option per line. Every argument is quoted and escaped for systemd.
func (s *Section) Exec(key, prefix string, groups ...[]string) {
	if len(groups) == 0 || len(groups[0]) == 0 || !strings.HasPrefix(groups[0][0], "/") {
		s.file.fail(key, fmt.Errorf("command must start with an absolute path"))
		return
	}
	var lines []string
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		words := make([]string, len(g))
		for i, a := range g {
			words[i] = quoteWord(a, true)
		}
		lines = append(lines, strings.Join(words, " "))
	}
	s.add(key, prefix+lines[0], lines[1:]...)
}
