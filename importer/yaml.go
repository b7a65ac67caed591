package importer

import (
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlSource is one YAML file, as nodes: they keep each key's line and
// column for the report.
type yamlSource struct {
	file string
	root *yaml.Node // the document's top mapping
}

func readYAML(file string, r *Report) (*yamlSource, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		r.fail(Pos{File: file}, "", "", "%v", err)
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		r.fail(Pos{File: file}, "", "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, false
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		r.fail(Pos{File: file, Line: 1, Col: 1}, "", "", "expected a mapping at the top")
		return nil, false
	}
	return &yamlSource{file: file, root: resolve(doc.Content[0])}, true
}

func (s *yamlSource) at(n *yaml.Node) Pos { return Pos{File: s.file, Line: n.Line, Col: n.Column} }

// pair is one key of a mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs are the keys of a mapping node in file order; merge keys (<<)
// are followed, and aliases resolved.
func pairs(n *yaml.Node) []pair {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if k.Value == "<<" {
			if v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					out = append(out, pairs(e)...)
				}
			} else {
				out = append(out, pairs(v)...)
			}
			continue
		}
		out = append(out, pair{k.Value, k, v})
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// scalar is the string of a scalar node.
func scalar(n *yaml.Node) (string, bool) {
	if n = resolve(n); n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// items are the elements of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	if n = resolve(n); n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		out[i] = resolve(e)
	}
	return out
}

// strList reads a sequence of scalars, or one string split like a shell
// command line (compose's command: and entrypoint:).
func strList(n *yaml.Node) ([]string, bool) {
	if s, ok := scalar(n); ok {
		return shellSplit(s)
	}
	var out []string
	for _, e := range items(n) {
		s, ok := scalar(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, n != nil && resolve(n).Kind == yaml.SequenceNode
}

// shellSplit splits a command line on blanks, with '...' and "..."
// quoting and \ escapes, as compose does (it uses shlex).
func shellSplit(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	in, quote, esc := false, byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			cur.WriteByte(c)
			esc = false
		case c == '\\' && quote != '\'':
			esc, in = true, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 || esc {
		return nil, false
	}
	if in {
		out = append(out, cur.String())
	}
	return out, true
}

func yamlPath(path string, key string) string { return join(path, key) }

func yamlIndex(path string, i int) string { return path + "." + strconv.Itoa(i) }
