// Package parallel runs independent, indexed work on every CPU. The
// generator reads, builds and writes thousands of small files at boot;
// results go to fixed slots by index, so output never depends on which
// goroutine finished first.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(0) ... fn(n-1), each once, on up to GOMAXPROCS goroutines,
// and returns when all calls have.
func For(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := min(runtime.GOMAXPROCS(0), n); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
