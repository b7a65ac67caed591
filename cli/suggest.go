package cli

import (
	"fmt"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// unknownName is the one-line error for a name that is not in the config,
// with the closest known name when one is close enough to be a typo.
func unknownName(kind, name string, known []string) error {
	msg := fmt.Sprintf("unknown %s %q", kind, name)
	if s := config.Closest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if len(known) > 0 && len(known) <= 8 {
		msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	return fail(ExitError, "%s", msg)
}
