package load

import (
	"net/netip"
	"sort"

	"github.com/bootstage/bootstage/config"
)

// parseNetwork reads networks/NAME.toml.
func parseNetwork(t table, name string) *config.Network {
	n := &config.Network{Name: name, DNS: true}
	n.Driver = t.str("driver", "")
	if s := t.str("subnet", ""); s != "" {
		if _, err := netip.ParsePrefix(s); err != nil {
			t.d.errAt(t.key("subnet"), `a CIDR such as "10.89.0.0/24"`, "invalid subnet %q", s)
		}
		n.Subnet = []string{s}
	}
	if g := t.str("gateway", ""); g != "" {
		if _, err := netip.ParseAddr(g); err != nil {
			t.d.errAt(t.key("gateway"), `an address such as "10.89.0.1"`, "invalid gateway %q", g)
		}
		n.Gateway = []string{g}
	}
	n.Internal = t.boolean("internal")
	if t.has("dns") {
		n.DNS = t.boolean("dns")
	}
	n.Options = keyValues(t, "options")
	n.External = t.boolean("external")
	if n.External {
		for _, k := range []string{"driver", "subnet", "gateway", "internal", "dns", "options"} {
			if _, set := t.m[k]; set {
				t.d.errAtKey(t.key(k), "drop it, or external = false to have bootstage create the network",
					"%s has no effect on an external network, which is only checked, never created", k)
			}
		}
	}
	return n
}

// keyValues reads a table of strings (driver options) in key order.
func keyValues(t table, k string) []config.KeyValue {
	sub, ok := t.sub(k)
	if !ok {
		return nil
	}
	var out []config.KeyValue
	for key := range sub.m {
		out = append(out, config.KeyValue{Key: key, Value: sub.str(key, "")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
