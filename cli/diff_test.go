package cli

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"
	want := `--- a
+++ b
@@ -1,6 +1,6 @@
 1
 2
-3
+three
 4
 5
 6
@@ -10,3 +10,4 @@
 10
 11
 12
+13
`
	if got := unifiedDiff("a", "b", a, b, 3); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("a", "b", a, a, 3); got != "" {
		t.Errorf("equal inputs gave %q", got)
	}
	if got := unifiedDiff("a", "b", "", "x\n", 3); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("from empty: %q", got)
	}
}

// TestUnifiedDiffApplies applies random diffs back, as patch(1) would, and
// checks each hunk's header against its lines.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	gen := func() string {
		var b strings.Builder
		for range r.Intn(40) {
			b.WriteString(string(rune('a'+r.Intn(5))) + "\n")
		}
		return b.String()
	}
	for k := range 500 {
		a, b := gen(), gen()
		if got := applyDiff(t, a, unifiedDiff("a", "b", a, b, 3)); got != b {
			t.Fatalf("case %d: applying the diff of\n%q to\n%q gave\n%q", k, a, b, got)
		}
	}
}

func applyDiff(t *testing.T, a, d string) string {
	if d == "" {
		return a
	}
	src := splitLines(a)
	var out []string
	pos := 0 // lines of src consumed
	lines := strings.Split(strings.TrimSuffix(d, "\n"), "\n")[2:]
	for i := 0; i < len(lines); {
		var aStart, aLen, bStart, bLen int
		parseRange := func(s string) (int, int) {
			st, n, ok := strings.Cut(s, ",")
			x, _ := strconv.Atoi(st)
			if !ok {
				return x, 1
			}
			y, _ := strconv.Atoi(n)
			return x, y
		}
		f := strings.Fields(lines[i])
		aStart, aLen = parseRange(f[1][1:])
		bStart, bLen = parseRange(f[2][1:])
		_ = bStart
		first := aStart - 1
		if aLen == 0 {
			first = aStart
		}
		out = append(out, src[pos:first]...)
		pos = first
		i++
		na, nb := 0, 0
		for ; i < len(lines) && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			switch l[0] {
			case ' ':
				if src[pos] != l[1:] {
					t.Fatalf("context %q does not match %q", l, src[pos])
				}
				out = append(out, l[1:])
				pos, na, nb = pos+1, na+1, nb+1
			case '-':
				pos, na = pos+1, na+1
			case '+':
				out = append(out, l[1:])
				nb++
			}
		}
		if na != aLen || nb != bLen {
			t.Fatalf("hunk %s holds %d/%d lines", f[1]+" "+f[2], na, nb)
		}
	}
	out = append(out, src[pos:]...)
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}
