package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ParsePort reads one publish spec in podman's -p syntax (ranges aside).
func ParsePort(spec string) (Port, error) {
	p := Port{Proto: "tcp"}
	rest := spec
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return p, fmt.Errorf("invalid protocol %q in %q", p.Proto, spec)
		}
	}
	if strings.HasPrefix(rest, "[") { // [IPv6]:host:container
		end := strings.Index(rest, "]:")
		if end < 0 {
			return p, fmt.Errorf("invalid port spec %q", spec)
		}
		p.HostIP, rest = rest[1:end], rest[end+2:]
		if _, err := netip.ParseAddr(p.HostIP); err != nil {
			return p, fmt.Errorf("invalid host address %q in %q", p.HostIP, spec)
		}
		if !strings.Contains(rest, ":") {
			return p, fmt.Errorf("invalid port spec %q: an address needs host and container ports", spec)
		}
	}
	parts := strings.Split(rest, ":")
	var err error
	switch len(parts) {
	case 1:
		p.ContainerPort, err = portNumber(parts[0], spec)
		return p, err
	case 3:
		if p.HostIP != "" {
			return p, fmt.Errorf("invalid port spec %q", spec)
		}
		p.HostIP = parts[0]
		if _, err := netip.ParseAddr(p.HostIP); err != nil {
			return p, fmt.Errorf("invalid host address %q in %q", p.HostIP, spec)
		}
		parts = parts[1:]
	case 2:
	default:
		return p, fmt.Errorf("invalid port spec %q", spec)
	}
	if parts[0] != "" {
		if p.HostPort, err = portNumber(parts[0], spec); err != nil {
			return p, err
		}
	}
	p.ContainerPort, err = portNumber(parts[1], spec)
	return p, err
}

func portNumber(s, spec string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		if strings.Contains(s, "-") {
			return 0, fmt.Errorf("port ranges are not supported: %q", spec)
		}
		return 0, fmt.Errorf("invalid port %q in %q: expected 1 to 65535", s, spec)
	}
	return n, nil
}

// Address is where a client on this host reaches a published TCP port,
// HOST:PORT with an IPv6 host in brackets: on its own address when it is
// published on a specific one, else on DefaultHealthHost. False when the
// port is UDP, or podman chooses its host port.
func (p Port) Address() (string, bool) {
	if p.Proto == "udp" || p.HostPort == 0 {
		return "", false
	}
	host := p.HostIP
	if wildcard(host) {
		host = DefaultHealthHost
	}
	return net.JoinHostPort(host, strconv.Itoa(p.HostPort)), true
}

// String renders p back in podman's -p syntax; ParsePort reads it back.
func (p Port) String() string {
	s := strconv.Itoa(p.ContainerPort)
	if p.HostPort != 0 || p.HostIP != "" {
		host := ""
		if p.HostPort != 0 {
			host = strconv.Itoa(p.HostPort)
		}
		s = host + ":" + s
	}
	if p.HostIP != "" {
		ip := p.HostIP
		if strings.Contains(ip, ":") && !strings.HasPrefix(ip, "[") {
			ip = "[" + ip + "]" // IPv6: podman needs the brackets to find the port
		}
		s = ip + ":" + s
	}
	if p.Proto != "" && p.Proto != "tcp" {
		s += "/" + p.Proto
	}
	return s
}

var volumeOptions = map[string]bool{
	"ro": true, "rw": true, "z": true, "Z": true, "U": true, "O": true, "exec": true, "noexec": true,
	"suid": true, "nosuid": true, "dev": true, "nodev": true, "copy": true, "nocopy": true,
	"shared": true, "rshared": true, "slave": true, "rslave": true, "private": true, "rprivate": true,
	"bind": true, "rbind": true, "idmap": true,
}

// ParseVolume reads "host:container[:opt,opt]"; host is an absolute path
// or a named podman volume, container an absolute path.
func ParseVolume(spec string) (Volume, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Volume{}, fmt.Errorf("invalid volume %q", spec)
	}
	v := Volume{Host: parts[0], Container: parts[1]}
	if v.Host == "" || (!strings.HasPrefix(v.Host, "/") && strings.ContainsAny(v.Host, "/.")) {
		return v, fmt.Errorf("invalid volume %q: the source must be an absolute path or a volume name", spec)
	}
	if !strings.HasPrefix(v.Host, "/") && !volumeName(v.Host) {
		return v, fmt.Errorf(`invalid volume %q: a volume name is letters, digits, "_" and "-", starting with a letter or digit`, spec)
	}
	if !strings.HasPrefix(v.Container, "/") {
		return v, fmt.Errorf("invalid volume %q: the target must be an absolute path", spec)
	}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			if !volumeOptions[o] {
				return v, fmt.Errorf("unknown volume option %q in %q", o, spec)
			}
			v.Options = append(v.Options, o)
		}
	}
	return v, nil
}

// volumeName reports whether s is a podman volume name bootstage accepts:
// podman's own rule ([a-zA-Z0-9][a-zA-Z0-9_.-]*) without ".", which
// ParseVolume keeps for paths; a name can never read as an option.
func volumeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '_' && c != '-')) {
			return false
		}
	}
	return s != ""
}

// String renders v back as podman's -v value; an empty Host is an
// anonymous volume, written as the target alone.
func (v Volume) String() string {
	s := v.Container
	if v.Host != "" {
		s = v.Host + ":" + s
	}
	if len(v.Options) > 0 {
		s += ":" + strings.Join(v.Options, ",")
	}
	return s
}
