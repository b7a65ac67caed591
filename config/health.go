package config

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// Health is a component's [components.health] table. As read, a zero field
// was not set; ResolveHealth fills in every default, and the Health of a
// component in a loaded Tree is resolved.
type Health struct {
	Check       Check
	Host        string        // network checks: where to connect
	Port        int           // network checks: the port
	Path        string        // http(s): request path
	Status      int           // http(s): expected status; 0 = any 2xx/3xx
	Service     string        // grpc: the health service name, "" for the server
	Command     []string      // exec: argv
	Interval    time.Duration // between probes after the gate opened
	Timeout     time.Duration // of one probe attempt
	OnUnhealthy Action        // "" only logs
	Threshold   int           // failures in a row before OnUnhealthy acts
}

// ResolveHealth is the rule of which probe component c gets, the one place
// that says it. stageCheck is the health = of c's stage ("" for none).
//
//   - The check is the component's, else the stage's, else DefaultCheck.
//   - A network check without health.port probes the host port of the
//     first route (see Route), else of the first published port, as the
//     agent bootstage replaces did. A UDP port is
//     never given a TCP, gRPC or HTTP check, nor is a port whose host side
//     podman chooses: both are errors at that port, with a hint.
//   - Without health.host, the address is the one the port is published on:
//     a wildcard or empty address is probed on DefaultHealthHost, a specific
//     one (192.0.2.10, ::1) on itself. With health.port alone, the address
//     of the published TCP port of that number, if any.
//
// It fills c.Health in place and returns what keeps it from being probed.
func ResolveHealth(c *Component, stageCheck Check) []FieldError {
	h := &c.Health
	h.Check = first(h.Check, stageCheck, DefaultCheck)
	h.Path = first(h.Path, DefaultHealthPath)
	h.Interval = first(h.Interval, DefaultInterval)
	h.Timeout = first(h.Timeout, DefaultProbeTimeout)
	h.Threshold = first(h.Threshold, DefaultThreshold)
	if !h.Check.Network() {
		return nil
	}
	var published *Port
	switch {
	case h.Port == 0 && len(c.Routes) > 0:
		h.Port = c.Routes[0].HostPort // published on DefaultHealthHost
	case h.Port == 0:
		if err := defaultPort(c.Ports, h.Check); err != nil {
			return []FieldError{*err}
		}
		published = &c.Ports[0]
		h.Port = published.HostPort
	default:
		published = publishedTCP(c.Ports, h.Port)
	}
	if h.Host == "" && published != nil && !wildcard(published.HostIP) {
		h.Host = published.HostIP
	}
	h.Host = first(h.Host, DefaultHealthHost)
	return nil
}

// defaultPort says why the first published port cannot be probed by check,
// or nil when it can.
func defaultPort(ports []Port, check Check) *FieldError {
	switch {
	case len(ports) == 0:
		return &FieldError{Msg: fmt.Sprintf("the %s health check needs a port", check),
			Hint: `set health.port, publish a port, or set health.check = "systemd" or "none"`}
	case ports[0].Proto == "udp":
		return &FieldError{Key: "ports.0", Msg: fmt.Sprintf("the %s health check cannot probe %s: it is a UDP port", check, ports[0]),
			Hint: `set health.check = "exec", "systemd" or "none", or health.port to a TCP port`}
	case ports[0].HostPort == 0:
		return &FieldError{Key: "ports.0", Msg: fmt.Sprintf("the %s health check cannot probe %s: podman chooses its host port", check, ports[0]),
			Hint: `publish a fixed host port such as "8080:80", or set health.port`}
	}
	return nil
}

// publishedTCP is the published TCP port whose host port is port, or nil.
func publishedTCP(ports []Port, port int) *Port {
	for i := range ports {
		if ports[i].HostPort == port && ports[i].Proto != "udp" {
			return &ports[i]
		}
	}
	return nil
}

// wildcard reports whether a published address means every address.
func wildcard(ip string) bool {
	return ip == "" || ip == "0.0.0.0" || ip == "::"
}

// Target is what a check talks to: HOST:PORT for tcp and grpc (an IPv6
// host in brackets), a URL for http and https, "" for the others.
func (h Health) Target() string {
	addr := net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
	switch h.Check {
	case CheckTCP, CheckGRPC:
		return addr
	case CheckHTTP, CheckHTTPS:
		return string(h.Check) + "://" + addr + h.Path
	}
	return ""
}

// first is the first of vs that is not the zero value.
func first[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}
