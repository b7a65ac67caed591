package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Write puts the output into dir, each file written to a temporary name
// and renamed into place, so a concurrent reader (another generator run,
// systemd) never sees half a unit. Files are written in parallel; the
// result does not depend on the order.
func (o *Output) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	jobs := make(chan int)
	errs := make([]error, len(o.Units))
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				u := o.Units[i]
				errs[i] = writeFile(filepath.Join(dir, u.Name), u.Bytes())
			}
		}()
	}
	for i := range o.Units {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, l := range o.Links {
		errs = append(errs, writeLink(filepath.Join(dir, l.Name), l.Target))
	}
	return errors.Join(errs...)
}

func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".bootstage-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
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
