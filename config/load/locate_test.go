package load

import "testing"

// The locator must find keys and elements wherever TOML lets them stand:
// after multi-line strings holding brackets, in inline tables, in nested
// and multi-line arrays, behind quoted and dotted keys.
func TestLocator(t *testing.T) {
	t.Parallel()
	src := `# comment [not a table]
name = """a [b] = c
"""
'quoted key' = 1
[[components]]
name = "a"
[[components]]
name = 'b'
ports = [ "1:1", # first
  "2:2",
  [ "x", { k = 1 } ],
]
env = { A = "1", B = { C = 2 } }
health.check = "tcp"
[components.health]
port = 3
[[components.extra]]
x = 1
`
	cases := []struct {
		want
		line, col int
	}{
		{want{"name", false}, 2, 1},
		{want{"quoted key", false}, 4, 1},
		{want{"components.0", false}, 5, 3},
		{want{"components.0.name", false}, 6, 1},
		{want{"components.1.name", false}, 8, 1},
		{want{"components.1.ports", false}, 9, 1},
		{want{"components.1.ports.1", true}, 10, 3},
		{want{"components.1.ports.2.1.k", false}, 11, 12},
		{want{"components.1.env.B.C", false}, 13, 24},
		{want{"components.1.health.check", false}, 14, 1},
		{want{"components.1.health.port", false}, 16, 1},
		{want{"components.1.extra.0.x", false}, 18, 1},
		{want{"components.1.ports.0", true}, 9, 11},
		{want{"components.1.ports.0", false}, 9, 1}, // an element has no key: the array's
		{want{"components.1.nothing.here", false}, 7, 3},
		{want{"", true}, 1, 1},
	}
	wants := make([]want, len(cases))
	for i, c := range cases {
		wants[i] = c.want
	}
	lines, cols := positions(src, locate(src, wants))
	for i, c := range cases {
		if lines[i] != c.line || cols[i] != c.col {
			t.Errorf("%+v at %d:%d, want %d:%d", c.want, lines[i], cols[i], c.line, c.col)
		}
	}
}
