package cli

import (
	"fmt"
	"strings"
)

// diffOp is one line of an edit script: ' ' kept, '-' removed, '+' added.
type diffOp struct {
	kind byte
	text string
	a, b int // line index in a and b before this line (0-based)
}

// maxDiffCells bounds the LCS table; unit files are far smaller. Past it a
// change is shown as everything removed and everything added.
const maxDiffCells = 4 << 20

// unifiedDiff is `diff -u` of a and b with ctx lines of context, or "" when
// they are equal.
func unifiedDiff(fromName, toName, a, b string, ctx int) string {
	if a == b {
		return ""
	}
	ops := editScript(splitLines(a), splitLines(b))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromName, toName)
	for _, h := range hunks(ops, ctx) {
		writeHunk(&out, ops[h[0]:h[1]])
	}
	if noFinalNewline(a) || noFinalNewline(b) {
		// Unit files always end in one; say so rather than place diff's
		// marker exactly.
		out.WriteString("\\ No newline at end of file\n")
	}
	return out.String()
}

func noFinalNewline(s string) bool { return s != "" && !strings.HasSuffix(s, "\n") }

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// editScript is the shortest script from a to b, from a table of longest
// common suffixes (so the script reads front to back).
func editScript(a, b []string) []diffOp {
	n, m := len(a), len(b)
	if n*m > maxDiffCells {
		return replaceAll(a, b)
	}
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i, j})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		default:
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		}
	}
	return ops
}

func replaceAll(a, b []string) []diffOp {
	var ops []diffOp
	for i, l := range a {
		ops = append(ops, diffOp{'-', l, i, 0})
	}
	for j, l := range b {
		ops = append(ops, diffOp{'+', l, len(a), j})
	}
	return ops
}

// hunks returns [start, end) ranges of ops: each change with ctx kept
// lines around it, ranges closer than 2*ctx merged.
func hunks(ops []diffOp, ctx int) [][2]int {
	var hs [][2]int
	for i, op := range ops {
		if op.kind == ' ' {
			continue
		}
		start, end := max(0, i-ctx), min(len(ops), i+ctx+1)
		if n := len(hs); n > 0 && start <= hs[n-1][1] {
			hs[n-1][1] = end
		} else {
			hs = append(hs, [2]int{start, end})
		}
	}
	return hs
}

func writeHunk(out *strings.Builder, ops []diffOp) {
	var aLen, bLen int
	for _, op := range ops {
		if op.kind != '+' {
			aLen++
		}
		if op.kind != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(ops[0].a, aLen), hunkRange(ops[0].b, bLen))
	for _, op := range ops {
		out.WriteByte(op.kind)
		out.WriteString(op.text)
		out.WriteByte('\n')
	}
}

// hunkRange is diff's "start,len": 1-based start, or the line before an
// empty range; ",1" is left out as diff does.
func hunkRange(before, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, n)
}
