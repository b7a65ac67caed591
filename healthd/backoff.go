package healthd

import "time"

// Bounds of the delay between attempts while the gate is closed.
const (
	minWait = 20 * time.Millisecond
	maxWait = time.Second
)

// waitDelay is how long a probe that has been failing for `failing` waits
// before its next attempt while the gate is still closed: a twentieth of
// that time, between minWait and maxWait. A target that needs T to come up
// therefore opens the gate at most T/20 (and at most 1s) late, while a
// target that stays down is asked about once a second at most. A plain
// doubling back-off reaches its cap after about a second and would cost up
// to a second for every component that starts in a few seconds.
func waitDelay(failing time.Duration) time.Duration {
	return min(max(failing/20, minWait), maxWait)
}
