package vm

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// elfNeeds is what a program needs beside itself to run under Nanos: its
// dynamic loader and shared libraries, which must be in the image too.
// Both are empty for a static program.
type elfNeeds struct {
	interp  string   // PT_INTERP, the dynamic loader
	needed  []string // DT_NEEDED, library names
	runpath []string // DT_RUNPATH (or DT_RPATH), $ORIGIN resolved
}

func (n elfNeeds) dynamic() bool { return n.interp != "" || len(n.needed) > 0 }

// readELF checks that file, which is at guest in the image, is an x86-64
// Linux program, and says what it needs. program says whether it must be
// a program (the one Nanos runs) or may be a shared library.
func readELF(file, guest string, program bool) (elfNeeds, error) {
	f, err := elf.Open(file)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return elfNeeds{}, fmt.Errorf("%s is not an ELF executable (a unikernel runs one Linux x86-64 program)", guest)
		}
		return elfNeeds{}, fmt.Errorf("reading %s: %w", guest, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return elfNeeds{}, fmt.Errorf("%s is an ELF for %v %v, not x86-64", guest, f.Class, f.Machine)
	}
	var n elfNeeds
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return elfNeeds{}, fmt.Errorf("reading %s: %w", guest, err)
			}
			n.interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if n.needed, err = f.ImportedLibraries(); err != nil {
		return elfNeeds{}, fmt.Errorf("reading %s: %w", guest, err)
	}
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		paths, _ := f.DynString(tag)
		for _, p := range paths {
			for _, dir := range strings.Split(p, ":") {
				dir = strings.ReplaceAll(strings.ReplaceAll(dir, "${ORIGIN}", "$ORIGIN"), "$ORIGIN", path.Dir(guest))
				if path.IsAbs(dir) {
					n.runpath = append(n.runpath, path.Clean(dir))
				}
			}
		}
		if len(n.runpath) > 0 {
			break // DT_RUNPATH, when set, replaces DT_RPATH
		}
	}
	switch {
	case program && f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN:
		return elfNeeds{}, fmt.Errorf("%s is an ELF %v, not a program", guest, f.Type)
	case program && f.Type == elf.ET_DYN && n.interp == "" && len(n.needed) > 0:
		return elfNeeds{}, fmt.Errorf("%s is a shared library, not a program", guest)
	}
	return n, nil
}

// libraryDirs are where a dynamic loader looks for a library that no
// DT_RUNPATH finds: glibc's and musl's defaults on x86-64.
var libraryDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"}
