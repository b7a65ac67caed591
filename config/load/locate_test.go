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
	l := newLocator(src)
	for path, want := range map[string][2]int{
		"name":                      {2, 1},
		"quoted key":                {4, 1},
		"components.0":              {5, 3},
		"components.0.name":         {6, 1},
		"components.1.name":         {8, 1},
		"components.1.ports":        {9, 1},
		"components.1.ports.1":      {10, 3},
		"components.1.ports.2.1.k":  {11, 12},
		"components.1.env.B.C":      {13, 24},
		"components.1.health.check": {14, 1},
		"components.1.health.port":  {16, 1},
		"components.1.extra.0.x":    {18, 1},
	} {
		line, col := l.key(path)
		if path == "components.1.ports.1" {
			line, col = l.value(path)
		}
		if line != want[0] || col != want[1] {
			t.Errorf("%s at %d:%d, want %d:%d", path, line, col, want[0], want[1])
		}
	}
	if line, col := l.value("components.1.ports.0"); line != 9 || col != 11 {
		t.Errorf("ports.0 value at %d:%d, want 9:11", line, col)
	}
}
