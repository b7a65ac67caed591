package config

import (
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"foundation", "core", "management", "grpc", "tcp"}
	for name, want := range map[string]string{"cor": "core", "foundaton": "foundation", "Core": "core",
		"mgmt": "", "x": "", "managment": "management", "grcp": "grpc"} {
		if got := Closest(name, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"kitten", "sitting", 3}, {"grcp", "grpc", 1}, {"héllo", "hello", 1}, {"", "abc", 3}} {
		if d := editDistance(c.a, c.b); d != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, d, c.d)
		}
	}
}

// A message quoting a huge value is cut at MaxMessageLen, at a rune
// boundary, so it cannot flood a terminal or a failing unit.
func TestProblemClipsLongMessages(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxMessageLen) // 2 bytes each
	p := Problem{File: "f.toml", Line: 1, Col: 2, Key: "image", Msg: "bad " + long, Hint: "h"}
	got := p.Error()
	want := "f.toml:1:2: image: bad " + strings.Repeat("é", (MaxMessageLen-len("bad ")-len("…"))/2) + "… (h)"
	if got != want {
		t.Errorf("got %d bytes %q..., want %d bytes", len(got), got[:40], len(want))
	}
	if short := (Problem{File: "f", Msg: "m"}).Error(); short != "f: m" {
		t.Errorf("short message changed: %q", short)
	}
}
