// Package man holds the markdown sources of the man pages; this test keeps
// bootstage(1) in step with the command line it documents.
package man

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/bootstage/bootstage/cli"
)

// TestEveryCommandAndFlagDocumented fails when a command, subcommand or
// flag of `bootstage` is missing from bootstage.1.md.
func TestEveryCommandAndFlagDocumented(t *testing.T) {
	b, err := os.ReadFile("bootstage.1.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	var walk func(prefix string, cmds []*ucli.Command)
	walk = func(prefix string, cmds []*ucli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if !strings.Contains(page, "`bootstage "+name) {
				t.Errorf("bootstage.1.md has no synopsis for `bootstage %s`", name)
			}
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					dash := "--"
					if len(n) == 1 {
						dash = "-"
					}
					if !strings.Contains(page, "`"+dash+n+"`") {
						t.Errorf("bootstage.1.md does not mention %s%s of `bootstage %s`", dash, n, name)
					}
				}
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", cli.NewApp(&cli.Env{}).Commands)
}

// TestEveryConfigKeyDocumented fails when config/load reads a key that
// bootstage.toml.5.md does not describe. The keys are the string literals
// passed to the config package's table readers (t.str("name", ...), ...).
func TestEveryConfigKeyDocumented(t *testing.T) {
	b, err := os.ReadFile("bootstage.toml.5.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	keys := configKeys(t, "../../config/load")
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in config/load: has the reader changed? %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(page, "`"+k+"`") && !strings.Contains(page, "["+k+"]") {
			t.Errorf("bootstage.toml.5.md does not describe the key %q", k)
		}
	}
}

// readers are the methods of config/load's table type that read a key;
// the generic enum(t, key, ...) reads one too.
var readers = map[string]bool{"str": true, "strs": true, "integer": true,
	"duration": true, "boolean": true, "sub": true, "tables": true}

func configKeys(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		ast.Inspect(p, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			arg := call.Args[0]
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr: // t.str("name", ...)
				if !readers[fn.Sel.Name] {
					return true
				}
			case *ast.Ident: // enum(t, "check", ...)
				if fn.Name != "enum" || len(call.Args) < 2 {
					return true
				}
				arg = call.Args[1]
			default:
				return true
			}
			if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if k, err := strconv.Unquote(lit.Value); err == nil {
					seen[k] = true
				}
			}
			return true
		})
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// A Markdown line that starts with "." or "'" reaches troff as a macro
// call (go-md2man does not escape it): groff warns, lintian fails the
// package. Wrapped prose must not begin a line with either.
func TestNoLineStartsAMacro(t *testing.T) {
	t.Parallel()
	pages, _ := filepath.Glob("*.md")
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fence := false
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "```") {
				fence = !fence
			}
			if !fence && (strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'")) {
				t.Errorf("%s:%d: a line starting with %q becomes a troff macro: rewrap it", p, i+1, line[:1])
			}
		}
	}
}
