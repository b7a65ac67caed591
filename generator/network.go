package generator

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// networkUnit creates podman network n when it is absent, or, for an
// external network, only checks that it exists. It never removes it:
// containers of other stacks may be on it.
func (b *builder) networkUnit(name string, n *config.Network) *units.File {
	f, s := resourceUnit(name, "podman network "+n.Name, n.Source, n.DropIns)
	podman := b.podman()
	if n.External {
		s.Exec("ExecStart", "", []string{podman, "network", "inspect", "--format", "{{.Name}}", n.Name})
		return f
	}
	create := []string{podman, "network", "create"}
	if n.Driver != "" {
		create = append(create, "--driver", n.Driver)
	}
	for _, sub := range n.Subnet {
		create = append(create, "--subnet", sub)
	}
	for _, g := range n.Gateway {
		create = append(create, "--gateway", g)
	}
	if n.Internal {
		create = append(create, "--internal")
	}
	if !n.DNS {
		create = append(create, "--disable-dns")
	}
	for _, o := range n.Options {
		create = append(create, "--opt", o.Key+"="+o.Value)
	}
	create = append(create, n.Name)
	s.Exec("ExecStart", "", []string{"/bin/sh", "-c", ensureScript, "sh", podman, "network", n.Name}, create)
	return f
}

func (b *builder) podman() string {
	if b.host.Podman != "" {
		return b.host.Podman
	}
	return "/usr/bin/podman"
}
