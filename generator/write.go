package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/bootstage/bootstage/internal/atomicfs"
	"github.com/bootstage/bootstage/internal/parallel"
)

// Write puts the output into dir, each file written to a temporary name
// and renamed into place, so a concurrent reader (another generator run,
// systemd) never sees half a unit. Files are written in parallel; the
// result does not depend on the order.
func (o *Output) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	errs := make([]error, len(o.Units))
	parallel.For(len(o.Units), func(i int) {
		u := o.Units[i]
		if err := parallel.Catch(func() { errs[i] = writeFile(filepath.Join(dir, u.Name), u.Bytes()) }); err != nil {
			errs[i] = fmt.Errorf("writing %s: %w", u.Name, err) // a bug: the other units are still written
		}
	})
	for _, l := range o.Links {
		errs = append(errs, atomicfs.Symlink(l.Target, filepath.Join(dir, l.Name)))
	}
	return errors.Join(errs...)
}

// tmpSuffix names a file being written: per process, so that concurrent
// generator runs never share one, and computed once (getpid is a system
// call).
var tmpSuffix = "." + strconv.Itoa(os.Getpid()) + ".tmp"

// noTmpfile is set once an unnamed file could not be linked for a reason
// that will not change (no O_TMPFILE on this file system, no privilege for
// AT_EMPTY_PATH): every later file goes the classic way at once.
var noTmpfile atomic.Bool

// writeFile puts data at path atomically: no reader ever sees part of it.
// The fast way writes an unnamed file (O_TMPFILE) and links it into place:
// one directory operation instead of the create and rename of a temporary
// name, a fifth of the cost of a write on tmpfs. It needs an empty slot,
// which a generator's fresh output directory has; anything else (a file to
// replace, an old kernel or file system, no privilege) goes the classic
// way. Both use the system calls directly: os.OpenFile adds an fstat, and at
// thousands of units that counts.
func writeFile(path string, data []byte) error {
	if !noTmpfile.Load() {
		err := writeLinked(path, data)
		if err == nil {
			return nil
		}
		if err != syscall.EEXIST {
			noTmpfile.Store(true)
		}
	}
	return writeRenamed(path, data)
}

// writeLinked writes data to an unnamed file in path's directory and links
// it at path; it fails with EEXIST if path exists.
func writeLinked(path string, data []byte) error {
	fd, err := syscall.Open(filepath.Dir(path), unix.O_TMPFILE|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := writeAll(fd, data); err != nil {
		return err
	}
	return unix.Linkat(fd, "", unix.AT_FDCWD, path, unix.AT_EMPTY_PATH)
}

// writeRenamed writes data to a temporary name beside path and renames it
// into place: four system calls (open, write, close, rename).
func writeRenamed(path string, data []byte) error {
	tmp := path + tmpSuffix
	fd, err := syscall.Open(tmp, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "writing", Path: tmp, Err: err}
	}
	err = writeAll(fd, data)
	if cerr := syscall.Close(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = syscall.Rename(tmp, path)
	}
	if err != nil {
		syscall.Unlink(tmp)
		return &os.PathError{Op: "writing", Path: path, Err: err}
	}
	return nil
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
