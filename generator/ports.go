package generator

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
)

// A host port is taken by one component only. Two published ports clash
// when they have the same protocol and host port, and addresses that
// overlap:
//
//   - no address (podman's "8080:80") is every address, IPv4 and IPv6;
//     a VM's is every IPv4 address, all that qemu's user-mode hostfwd binds;
//   - 0.0.0.0 is every IPv4 address;
//   - :: is every IPv6 address and, since Linux binds it dual-stack
//     (net.ipv6.bindv6only = 0), every IPv4 address too: a socket on [::]
//     and one on 0.0.0.0 or 127.0.0.1 cannot both listen on one port;
//   - a specific address (an IPv4-mapped IPv6 one counts as IPv4) overlaps
//     itself and the wildcards of its family.
//
// Services are taken in name order, as unit names are claimed: the first
// keeps its ports, a later one whose ports clash with them, or with its own,
// is refused as a whole, as an invalid file is, and stands as its failing
// unit; its ports then take nothing from the services after it.

// published is one host port a component of a service publishes.
type published struct {
	svc        *config.Service
	comp, port int // indexes in svc.Components and the component's Ports
	p          config.Port
	scope      scope
}

// scope is the set of addresses a port is published on.
type scope struct {
	v4, v6 bool       // every address of the family
	ip     netip.Addr // else this one
	text   string     // as written, when it is no address at all
}

func scopeOf(r config.Runtime, hostIP string) scope {
	switch hostIP {
	case "":
		return scope{v4: true, v6: r != config.QEMU}
	case "0.0.0.0":
		return scope{v4: true}
	case "::":
		return scope{v4: true, v6: true}
	}
	ip, err := netip.ParseAddr(hostIP)
	if err != nil {
		return scope{text: hostIP}
	}
	return scope{ip: ip.Unmap()}
}

// overlap says where a and b share addresses: "" when they do not.
func overlap(a, b scope) string {
	if !a.ip.IsValid() && a.text == "" && !b.ip.IsValid() && b.text == "" {
		switch {
		case a.v4 && b.v4 && a.v6 && b.v6:
			return "every address"
		case a.v4 && b.v4:
			return "every IPv4 address"
		case a.v6 && b.v6:
			return "every IPv6 address"
		}
		return ""
	}
	if a.ip.IsValid() || a.text != "" {
		a, b = b, a // b is the specific one
	}
	switch {
	case b.text != "":
		if a.text == b.text {
			return b.text
		}
	case a.ip.IsValid():
		if a.ip == b.ip {
			return b.ip.String()
		}
	case b.ip.Is4() && a.v4, b.ip.Is6() && a.v6:
		return b.ip.String()
	}
	return ""
}

// portClashes refuses every service that publishes a host port another
// one (before it in name order) or itself already takes: it is moved from
// the tree's services to its broken files, with one positioned problem per
// clash.
func portClashes(tree *config.Tree) config.Problems {
	taken := map[string][]published{} // "8080/tcp" -> who takes it
	var problems config.Problems
	for _, svc := range append([]*config.Service(nil), tree.Services...) {
		mine := map[string][]published{}
		var clashes config.Problems
		for ci, c := range svc.Components {
			for pi, p := range c.Ports {
				if p.HostPort == 0 {
					continue // podman chooses a free one
				}
				pub := published{svc: svc, comp: ci, port: pi, p: p, scope: scopeOf(c.Runtime, p.HostIP)}
				k := portKey(p)
				for _, other := range append(taken[k], mine[k]...) {
					if where := overlap(pub.scope, other.scope); where != "" {
						clashes = append(clashes, clash(pub, other, where))
						break
					}
				}
				mine[k] = append(mine[k], pub)
			}
		}
		if len(clashes) > 0 {
			refuse(tree, svc, clashes)
			problems = append(problems, clashes...)
			continue
		}
		for k, ps := range mine {
			taken[k] = append(taken[k], ps...)
		}
	}
	return problems
}

func portKey(p config.Port) string {
	proto := p.Proto
	if proto == "" {
		proto = "tcp"
	}
	return strconv.Itoa(p.HostPort) + "/" + proto
}

// clash is the problem of pub, published where other already is.
func clash(pub, other published, where string) config.Problem {
	key := pub.key()
	line, col := load.Position(pub.svc.Source, key)
	otherKey := config.DisplayKey(other.key())
	at := fmt.Sprintf("%s (line %d)", otherKey, lineOf(other))
	refused := filepath.Base(pub.svc.Source) + " is not generated"
	if other.svc != pub.svc {
		ol, oc := load.Position(other.svc.Source, other.key())
		at = fmt.Sprintf("%s:%d:%d (%s)", other.svc.Source, ol, oc, otherKey)
		refused = filepath.Base(pub.svc.Source) + ", the later by name, is not generated"
	}
	return config.Problem{File: pub.svc.Source, Line: line, Col: col, Key: key,
		Msg: fmt.Sprintf("%q clashes with %q at %s: both publish host port %s on %s",
			pub.p.String(), other.p.String(), at, portKey(pub.p), where),
		Hint: "give one another host port or address; " + refused}
}

func lineOf(p published) int {
	line, _ := load.Position(p.svc.Source, p.key())
	return line
}

// key is the key path of the port in its file.
func (p published) key() string {
	return "components." + strconv.Itoa(p.comp) + ".ports." + strconv.Itoa(p.port)
}

// refuse turns svc into a broken file of the tree: its units become the
// failing unit that says why.
func refuse(tree *config.Tree, svc *config.Service, problems config.Problems) {
	tree.Services = without(tree.Services, svc)
	for _, st := range tree.Stages {
		st.Services = without(st.Services, svc)
	}
	errs := make([]error, len(problems))
	for i := range problems {
		errs[i] = problems[i]
	}
	tree.Broken = append(tree.Broken, &config.Broken{Name: svc.Name, Stage: svc.Stage, Source: svc.Source, Errors: errs})
	sort.SliceStable(tree.Broken, func(i, j int) bool { return tree.Broken[i].Name < tree.Broken[j].Name })
}

func without(list []*config.Service, svc *config.Service) []*config.Service {
	out := list[:0:0]
	for _, s := range list {
		if s != svc {
			out = append(out, s)
		}
	}
	return out
}
