package cli

import (
	"fmt"
	"sort"
	"strings"
)

// unknownName is the one-line error for a name that is not in the config,
// with the closest known name when one is close enough to be a typo.
func unknownName(kind, name string, known []string) error {
	msg := fmt.Sprintf("unknown %s %q", kind, name)
	if s := closest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if len(known) > 0 && len(known) <= 8 {
		msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	return fail(ExitError, "%s", msg)
}

// closest returns the known name nearest to name in edit distance, if the
// distance is at most a third of its length (at least 1); ties go to the
// first in sorted order so the hint is stable.
func closest(name string, known []string) string {
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	limit := max(1, len([]rune(name))/3)
	best, bestD := "", limit+1
	for _, k := range sorted {
		if d := levenshtein(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b (insert, delete,
// substitute one rune), with one row of memory.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(rb); j++ {
			cur := row[j]
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(rb)]
}
