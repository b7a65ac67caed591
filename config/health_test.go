package config

import (
	"testing"
	"time"
)

// ResolveHealth is the one rule of which probe a component gets; the
// golden case generator/testdata/cases/probe-rules shows it in units.
func TestResolveHealth(t *testing.T) {
	t.Parallel()
	port := func(spec string) Port {
		p, err := ParsePort(spec)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		c      Component
		stage  Check
		target string // "" with errKey set: an error
		errKey string
	}{
		{"wildcard", Component{Ports: []Port{port("8080:80")}}, "", "127.0.0.1:8080", ""},
		{"any v4", Component{Ports: []Port{port("0.0.0.0:8080:80")}}, "", "127.0.0.1:8080", ""},
		{"any v6", Component{Ports: []Port{port("[::]:8080:80")}}, "", "127.0.0.1:8080", ""},
		{"specific", Component{Ports: []Port{port("192.0.2.10:8080:80")}}, "", "192.0.2.10:8080", ""},
		{"ipv6", Component{Ports: []Port{port("[::1]:9090:90")}}, "", "[::1]:9090", ""},
		{"stage check", Component{Ports: []Port{port("1:1")}}, CheckGRPC, "127.0.0.1:1", ""},
		{"own check wins", Component{Ports: []Port{port("1:1")}, Health: Health{Check: CheckHTTP}}, CheckGRPC, "http://127.0.0.1:1/", ""},
		{"port alone", Component{Ports: []Port{port("53:53/udp"), port("192.0.2.1:80:80")}, Health: Health{Port: 80}}, "", "192.0.2.1:80", ""},
		{"port unpublished", Component{Health: Health{Port: 80}}, "", "127.0.0.1:80", ""},
		{"host wins", Component{Ports: []Port{port("192.0.2.1:80:80")}, Health: Health{Host: "::1"}}, "", "[::1]:80", ""},
		{"udp", Component{Ports: []Port{port("5353:53/udp")}}, "", "", "ports.0"},
		{"udp stage grpc", Component{Ports: []Port{port("5353:53/udp")}}, CheckGRPC, "", "ports.0"},
		{"chosen", Component{Ports: []Port{port("80")}}, "", "", "ports.0"},
		{"none", Component{}, "", "", "-"},
		{"no network", Component{Ports: []Port{port("5353:53/udp")}, Health: Health{Check: CheckSystemd}}, "", "", ""},
	} {
		c := tc.c
		errs := ResolveHealth(&c, tc.stage)
		switch {
		case tc.errKey == "-" && (len(errs) != 1 || errs[0].Key != ""):
			t.Errorf("%s: errors %v, want one at the component", tc.name, errs)
		case tc.errKey != "" && tc.errKey != "-" && (len(errs) != 1 || errs[0].Key != tc.errKey):
			t.Errorf("%s: errors %v, want one at %s", tc.name, errs, tc.errKey)
		case tc.errKey == "" && len(errs) > 0:
			t.Errorf("%s: errors %v", tc.name, errs)
		case tc.errKey == "" && c.Health.Target() != tc.target:
			t.Errorf("%s: target %q, want %q", tc.name, c.Health.Target(), tc.target)
		}
		if h := c.Health; h.Interval != DefaultInterval || h.Timeout != DefaultProbeTimeout || h.Threshold != DefaultThreshold || h.Check == "" {
			t.Errorf("%s: defaults not filled: %+v", tc.name, h)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0s", time.Hour: "1h", 90 * time.Second: "90s", 2 * time.Minute: "120s",
		1500 * time.Millisecond: "1500ms", 1500 * time.Microsecond: "1.5ms",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("FormatDuration(%v) reads back as %v, %v", d, back, err)
		}
	}
}
