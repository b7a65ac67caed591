package config

// Node is the node-wide settings of bootstage.toml, beside stages.toml
// (DESIGN §2.4). Its zero value means every default.
type Node struct {
	Routes RouteSettings
	Source string // the bootstage.toml read, "" for none
}

// RouteSettings is the [routes] table of bootstage.toml.
type RouteSettings struct {
	// Low and High bound the host ports routes are given (inclusive);
	// zero means DefaultRouteLow, DefaultRouteHigh.
	Low, High int
	// Hook is an absolute path run as each component with routes starts
	// and stops, once per route: HOOK start|stop UNIT NAME HOSTPORT PORT
	// MODE HOSTNAME PUBLIC. "" runs nothing.
	Hook string
}

// Range is the port range of s with the defaults filled in.
func (s RouteSettings) Range() (low, high int) {
	return first(s.Low, DefaultRouteLow), first(s.High, DefaultRouteHigh)
}
