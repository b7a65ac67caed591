package config

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

// Route is one [[components.routes]] table (DESIGN §2.4): a port the node
// gives the component, passed to it as PORT or PORT_<NAME> and published
// on 127.0.0.1. Port, Mode, Hostname and Public are not bootstage's to
// use: they are kept for the node's proxy, which the route hook tells.
//
// The component listens inside its container on the host port itself, as
// under the agent bootstage replaces (which passed the host port as $PORT
// to services that listen on :$PORT): a route is published as
// 127.0.0.1:HOSTPORT:HOSTPORT, so $PORT means the same on both sides.
type Route struct {
	Name     string // "" for a component's one unnamed route
	HostPort int    // host_port, else the one AllocateRoutes gives it
	Pinned   bool   // host_port was set
	Port     int    // for the proxy: the port it serves the route on
	Mode     RouteMode
	Hostname string
	Public   bool

	Key       string // its key path, components.0.routes.1, for problems
	Line, Col int
}

// EnvName is the variable the component finds the route's host port in:
// PORT for an unnamed route, else PORT_ and the name in upper case with
// every character that cannot be in a variable name as "_".
func (r Route) EnvName() string {
	if r.Name == "" {
		return "PORT"
	}
	return "PORT_" + strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z':
			return c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			return c
		}
		return '_'
	}, r.Name)
}

// Publish is the port spec the route is published with.
func (r Route) Publish() Port {
	return Port{HostIP: DefaultHealthHost, HostPort: r.HostPort, ContainerPort: r.HostPort, Proto: "tcp"}
}

// HomePort is where a route's host port starts looking: a hash (FNV-1a,
// 32 bits) of "service/component/route" into [low, high]. It depends on
// the names alone, so it is the same on every run and every node.
func HomePort(service, component, route string, low, high int) int {
	h := fnv.New32a()
	h.Write([]byte(service + "/" + component + "/" + route))
	return low + int(h.Sum32()%uint32(high-low+1))
}

// routeRef is one route of a tree, with what owns it.
type routeRef struct {
	svc *Service
	c   *Component
	r   *Route
	key string // service/component/route: the name order
}

// String names the route to people: route "grpc" of metacrypt/api.
func (ref routeRef) String() string {
	if ref.r.Name == "" {
		return "the route of " + DisplayName(ref.svc.Name, ref.c.Name)
	}
	return fmt.Sprintf("route %q of %s", ref.r.Name, DisplayName(ref.svc.Name, ref.c.Name))
}

// AllocateRoutes gives every route of services that pins none its host
// port, and then adds each route to its component: the publish spec after
// the component's own ports, and the PORT variable. services must be every
// service of the tree, on whatever node it runs and active or not, so that
// the ports are the same on every node.
//
// The rule, in this order:
//  1. Host ports published by a component's ports = and host_port = are
//     taken; two of them on one number is an error at the second (in name
//     order of service, component and route).
//  2. In name order, each other route takes its HomePort if it is free.
//  3. In name order, each route still without a port takes the next free
//     port above its HomePort, wrapping from high to low.
//
// A route thus only moves when one earlier in name order wants the same
// home, or a port is published on its home: `bootstage plan` says so.
// The health port follows a route whose host port moved (see
// ResolveHealth: the first route is the default health port).
func AllocateRoutes(services []*Service, s RouteSettings) Problems {
	low, high := s.Range()
	var ps Problems
	taken := map[int]string{}
	// Component ports are taken before any pin, so a pin on one is
	// reported at the route.
	for _, svc := range sorted(services) {
		for _, c := range svc.Components {
			for _, p := range c.Ports {
				if p.HostPort == 0 {
					continue
				}
				if _, ok := taken[p.HostPort]; !ok {
					taken[p.HostPort] = "the ports of " + DisplayName(svc.Name, c.Name)
				}
			}
		}
	}
	var free []routeRef
	for _, ref := range routesOf(services) {
		if ref.r.Pinned {
			ps = append(ps, takePinned(taken, ref)...)
		} else {
			free = append(free, ref)
		}
	}
	old := make([]int, len(free))
	for i, ref := range free {
		old[i] = ref.r.HostPort
		ref.r.HostPort = 0
		if home := HomePort(ref.svc.Name, ref.c.Name, ref.r.Name, low, high); taken[home] == "" {
			taken[home], ref.r.HostPort = ref.String(), home
		}
	}
	for _, ref := range free {
		if ref.r.HostPort != 0 {
			continue
		}
		home := HomePort(ref.svc.Name, ref.c.Name, ref.r.Name, low, high)
		for p, n := home, 0; n <= high-low; n++ {
			if p = low + (home-low+n)%(high-low+1); taken[p] == "" {
				taken[p], ref.r.HostPort = ref.String(), p
				break
			}
		}
		if ref.r.HostPort == 0 {
			ps = append(ps, Problem{File: ref.svc.Source, Line: ref.r.Line, Col: ref.r.Col, Key: ref.r.Key,
				Msg: fmt.Sprintf("no free host port left in %d-%d", low, high), Hint: "widen [routes] range in bootstage.toml"})
		}
	}
	for i, ref := range free {
		if h := &ref.c.Health; h.Port == old[i] && old[i] != 0 {
			h.Port = ref.r.HostPort
		}
	}
	for _, svc := range services {
		for _, c := range svc.Components {
			addRoutes(c)
		}
	}
	return ps
}

// takePinned takes the host_port of a pinned route, or says who has it.
func takePinned(taken map[int]string, ref routeRef) Problems {
	if prev := taken[ref.r.HostPort]; prev != "" {
		return Problems{{File: ref.svc.Source, Line: ref.r.Line, Col: ref.r.Col, Key: ref.r.Key + ".host_port",
			Msg: fmt.Sprintf("host port %d is already taken by %s", ref.r.HostPort, prev), Hint: "pin another host_port, or drop it for an allocated one"}}
	}
	taken[ref.r.HostPort] = ref.String()
	return nil
}

// routesOf lists every route of services in name order.
func routesOf(services []*Service) []routeRef {
	var refs []routeRef
	for _, svc := range services {
		for _, c := range svc.Components {
			for i := range c.Routes {
				r := &c.Routes[i]
				refs = append(refs, routeRef{svc, c, r, svc.Name + "/" + c.Name + "/" + r.Name})
			}
		}
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].key < refs[j].key })
	return refs
}

func sorted(services []*Service) []*Service {
	out := append([]*Service(nil), services...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// addRoutes publishes c's routes and passes their ports in its environment.
func addRoutes(c *Component) {
	if len(c.Routes) == 0 {
		return
	}
	for _, r := range c.Routes {
		c.Ports = append(c.Ports, r.Publish())
		c.Env = append(c.Env, EnvVar{Key: r.EnvName(), Value: strconv.Itoa(r.HostPort)})
	}
	sort.SliceStable(c.Env, func(i, j int) bool { return c.Env[i].Key < c.Env[j].Key })
}
