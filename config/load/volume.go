package load

import "github.com/bootstage/bootstage/config"

// parseVolume reads volumes/NAME.toml.
func parseVolume(t table, name string) *config.NamedVolume {
	return &config.NamedVolume{Name: name, Driver: t.str("driver", ""), Options: keyValues(t, "options")}
}
