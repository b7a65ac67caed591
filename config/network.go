package config

import "strings"

// Network is one networks/NAME.toml file, or a network a component names
// that no file declares (Source ""): podman's defaults then.
type Network struct {
	Name     string
	Driver   string   // "" = podman's default (bridge)
	Subnet   []string // CIDRs; empty = chosen by podman
	Gateway  []string
	Internal bool
	DNS      bool // containers reach each other by name (podman's default: true)
	External bool // only check that it exists: never create it
	Options  []KeyValue
	Source   string
	DropIns  []string // KIND/NAME.toml.d/*.toml merged over it
	Line     int
}

// KeyValue is one driver option (-o KEY=VALUE), kept in key order.
type KeyValue struct{ Key, Value string }

// podmanModes are `--network` values that are podman's own modes, never a
// network to create.
var podmanModes = []string{"host", "none", "private", "slirp4netns", "pasta", "bridge", "default"}

// NetworkMode reports whether a component's network value is one of
// podman's own modes (host, none, private, slirp4netns, pasta, bridge,
// container:ID, ns:PATH), for which no network unit is written.
func NetworkMode(s string) bool {
	name, _, _ := strings.Cut(s, ":")
	if strings.Contains(s, ":") {
		switch name {
		case "container", "ns", "slirp4netns", "pasta", "bridge":
			return true
		}
	}
	for _, m := range podmanModes {
		if s == m {
			return true
		}
	}
	return false
}

// NetworkName is the network a component's network value names, or ""
// for a podman mode: podman allows options after a colon ("mcpnet:ip=...").
func NetworkName(s string) string {
	if s == "" || NetworkMode(s) {
		return ""
	}
	name, _, _ := strings.Cut(s, ":")
	return name
}
