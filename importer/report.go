// Package importer turns what a node already has (MCP service definitions
// and its agent's config, compose files, Quadlet files) into a bootstage
// configuration tree (DESIGN §9). Every key of the source is either mapped,
// and the report says to what, or left out, and the report says why; both
// with the file and line of the key.
package importer

import (
	"fmt"
	"io"
	"sort"

	"github.com/bootstage/bootstage/config"
)

// Report is what an import did with each key of its sources, in source
// order, and what kept it from producing a tree.
type Report struct {
	Lines  config.Problems // one per source key: "-> where" or "left out: why"
	Errors config.Problems // what stops the import
}

// Pos is where a key stands in its source.
type Pos struct {
	File      string
	Line, Col int
}

// mapped records that key became to (a file and key of the tree).
func (r *Report) mapped(at Pos, key, to string) {
	r.Lines = append(r.Lines, config.Problem{File: at.File, Line: at.Line, Col: at.Col, Key: key, Msg: "-> " + to})
}

// left records that key is not in the tree, and why.
func (r *Report) left(at Pos, key, format string, args ...any) {
	r.Lines = append(r.Lines, config.Problem{File: at.File, Line: at.Line, Col: at.Col, Key: key,
		Msg: "left out: " + fmt.Sprintf(format, args...)})
}

// fail records what keeps the import from producing a tree.
func (r *Report) fail(at Pos, key, hint, format string, args ...any) {
	r.Errors = append(r.Errors, config.Problem{File: at.File, Line: at.Line, Col: at.Col, Key: key,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Write prints every line, then every error, each in the project's one
// format, sorted by file and position.
func (r *Report) Write(w io.Writer) {
	for _, ps := range []config.Problems{r.Lines, r.Errors} {
		sorted := append(config.Problems(nil), ps...)
		sort.SliceStable(sorted, func(i, j int) bool {
			a, b := sorted[i], sorted[j]
			if a.File != b.File {
				return a.File < b.File
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		for _, p := range sorted {
			fmt.Fprintln(w, p.Error())
		}
	}
}
