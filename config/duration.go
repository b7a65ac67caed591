package config

import (
	"strconv"
	"time"
)

// FormatDuration is the one way bootstage writes a duration, into unit
// keys (TimeoutStartSec=, RestartSec=), command lines (the gate's, vm
// stop's) and what the command line shows: whole hours, seconds or
// milliseconds, the largest that is exact ("1h", "90s", "250ms", never
// "1m0s"), which both systemd's time span parser and Go's
// time.ParseDuration read back exactly; finer durations as Go writes them.
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}
