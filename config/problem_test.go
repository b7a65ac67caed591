package config

import "testing"

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
