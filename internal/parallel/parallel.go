// Package parallel runs independent, indexed work on every CPU. The
// generator reads, builds and writes thousands of small files at boot;
// results go to fixed slots by index, so output never depends on which
// goroutine finished first.
package parallel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// For calls fn(0) ... fn(n-1), each once, on up to GOMAXPROCS goroutines,
// and returns when all calls have. A panic in one call does not stop the
// others: the first is raised again, as a *Panic, on the goroutine that
// called For, once every call has returned, so that the caller's recover
// covers the workers too (a panic on a worker goroutine would end the
// process). Callers that can turn a panic into one item's error catch it
// within fn, with Catch.
func For(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Pointer[Panic]
	call := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				first.CompareAndSwap(nil, newPanic(r))
			}
		}()
		fn(i)
	}
	for w := min(runtime.GOMAXPROCS(0), n); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				call(i)
			}
		}()
	}
	wg.Wait()
	if p := first.Load(); p != nil {
		panic(p)
	}
}

// Catch calls fn and returns a panic in it as a *Panic error, nil when fn
// returns normally.
func Catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanic(r)
		}
	}()
	fn()
	return nil
}

// Panic is a recovered panic: its value and the stack of the goroutine
// that panicked, which is gone by the time anyone reads it.
type Panic struct {
	Value any
	Stack []byte
}

func newPanic(v any) *Panic {
	if p, ok := v.(*Panic); ok { // raised again by a nested For
		return p
	}
	return &Panic{Value: v, Stack: debug.Stack()}
}

func (p *Panic) Error() string { return fmt.Sprintf("internal error: %v", p.Value) }

// Unwrap returns the panic value when it is an error (a runtime error, an
// error passed to panic).
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}
