package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

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
		errs[i] = writeFile(filepath.Join(dir, u.Name), u.Bytes())
	})
	for _, l := range o.Links {
		errs = append(errs, writeLink(filepath.Join(dir, l.Name), l.Target))
	}
	return errors.Join(errs...)
}

// tmpSuffix names a file being written: per process, so that concurrent
// generator runs never share one, and computed once (getpid is a system
// call).
var tmpSuffix = "." + strconv.Itoa(os.Getpid()) + ".tmp"

// writeFile writes data to a temporary name beside path and renames it
// into place. It uses the system calls directly: four per file (open,
// write, close, rename), where os.OpenFile adds an fstat; at thousands of
// units that is a good part of the generator's time.
func writeFile(path string, data []byte) error {
	tmp := path + tmpSuffix
	fd, err := syscall.Open(tmp, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "writing", Path: tmp, Err: err}
	}
	for rest := data; len(rest) > 0 && err == nil; {
		var n int
		n, err = syscall.Write(fd, rest)
		rest = rest[n:]
	}
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

func writeLink(path, target string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// unique per run: concurrent generators must not share a temporary name
	tmp := fmt.Sprintf("%s.bootstage-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("linking %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("linking %s: %w", path, err)
	}
	return nil
}
