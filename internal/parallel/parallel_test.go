package parallel

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 7, 1000} {
		counts := make([]atomic.Int32, n)
		For(n, func(i int) { counts[i].Add(1) })
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Fatalf("n=%d: fn(%d) called %d times", n, i, c)
			}
		}
	}
}

// A panic on a worker would end the process, out of reach of any recover:
// For finishes every other call, then raises the panic where it was
// called, with the stack of the worker that panicked.
func TestForRaisesAPanicInTheCaller(t *testing.T) {
	t.Parallel()
	const n = 100
	var calls atomic.Int32
	defer func() {
		p, ok := recover().(*Panic)
		if !ok {
			t.Fatalf("For did not raise a *Panic")
		}
		if p.Value != "boom 7" || p.Error() != "internal error: boom 7" {
			t.Errorf("panic %v, %q", p.Value, p.Error())
		}
		if !strings.Contains(string(p.Stack), "parallel.TestForRaisesAPanicInTheCaller") {
			t.Errorf("the stack is not the worker's:\n%s", p.Stack)
		}
		if c := calls.Load(); c != n {
			t.Errorf("%d calls ran, want all %d", c, n)
		}
	}()
	For(n, func(i int) {
		calls.Add(1)
		if i == 7 {
			panic("boom 7")
		}
	})
	t.Fatal("For returned")
}

func TestCatch(t *testing.T) {
	t.Parallel()
	if err := Catch(func() {}); err != nil {
		t.Errorf("no panic: %v", err)
	}
	err := Catch(func() {
		var m map[string]int
		m["x"] = 1
	})
	var re runtime.Error
	if !errors.As(err, &re) || err.Error() != "internal error: assignment to entry in nil map" {
		t.Errorf("Catch: %v", err)
	}
}
