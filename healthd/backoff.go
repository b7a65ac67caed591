package healthd

import "time"

// Bounds of the delay between attempts while the gate is closed, and the
// part of its failing time a probe waits.
const (
	minWait  = 20 * time.Millisecond
	maxWait  = time.Second
	waitPart = 25
)

// waitDelay is how long a probe that has been failing for `failing` waits
// before its next attempt while the gate is still closed: a twenty-fifth
// of that time, between minWait and maxWait. A target that needs T to come
// up therefore opens the gate at most T/25 (and at most 1s) late: 40 ms
// for one that takes a second, which leaves room within READY's 50 ms goal
// for the check and the notification. A target that stays down is asked
// about once a second at most. A plain doubling back-off reaches its cap
// after about a second and would cost up to a second for every component
// that starts in a few seconds.
func waitDelay(failing time.Duration) time.Duration {
	return min(max(failing/waitPart, minWait), maxWait)
}
