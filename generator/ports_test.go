package generator

import (
	"testing"

	"github.com/bootstage/bootstage/config"
)

// Which published addresses overlap, and where: the rule of portClashes
// (its doc comment); the golden case port-clashes shows it across files.
func TestPortOverlap(t *testing.T) {
	t.Parallel()
	p, q := config.Podman, config.QEMU
	for _, tc := range []struct {
		ra      config.Runtime
		a       string
		rb      config.Runtime
		b, want string
	}{
		{p, "", p, "", "every address"},
		{p, "", p, "0.0.0.0", "every IPv4 address"},
		{p, "", p, "::", "every address"},
		{p, "::", p, "0.0.0.0", "every IPv4 address"},
		{p, "::", p, "127.0.0.1", "127.0.0.1"},
		{p, "0.0.0.0", p, "127.0.0.1", "127.0.0.1"},
		{p, "0.0.0.0", p, "::1", ""},
		{p, "", p, "::1", "::1"},
		{p, "127.0.0.1", p, "127.0.0.1", "127.0.0.1"},
		{p, "127.0.0.1", p, "::ffff:127.0.0.1", "127.0.0.1"},
		{p, "127.0.0.1", p, "127.0.0.2", ""},
		{p, "::1", p, "::1", "::1"},
		{p, "::1", p, "127.0.0.1", ""},
		{q, "", p, "::1", ""},
		{q, "", p, "", "every IPv4 address"},
		{q, "", p, "::", "every IPv4 address"},
		{q, "", p, "192.0.2.1", "192.0.2.1"},
	} {
		ab := overlap(scopeOf(tc.ra, tc.a), scopeOf(tc.rb, tc.b))
		ba := overlap(scopeOf(tc.rb, tc.b), scopeOf(tc.ra, tc.a))
		if ab != tc.want || ba != tc.want {
			t.Errorf("%s %q against %s %q: %q and %q, want %q", tc.ra, tc.a, tc.rb, tc.b, ab, ba, tc.want)
		}
	}
}
