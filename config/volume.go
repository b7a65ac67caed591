package config

import "strings"

// NamedVolume is one volumes/NAME.toml file, or a volume a component
// names that no file declares (Source ""): podman's defaults then.
type NamedVolume struct {
	Name    string
	Driver  string // "" = podman's default (local)
	Options []KeyValue
	Source  string
	DropIns []string // KIND/NAME.toml.d/*.toml merged over it
	Line    int
}

// VolumeName is the named volume a component volume mounts, or "" for a
// bind mount (an absolute host path).
func VolumeName(v Volume) string {
	if v.Host == "" || strings.HasPrefix(v.Host, "/") {
		return ""
	}
	return v.Host
}
