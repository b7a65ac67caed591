package generator

import (
	"sort"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// Resource is one resource unit as generated (DESIGN §3.1): a network,
// volume or image that components need before they start.
type Resource struct {
	Kind   string // "network", "volume", "image"
	Name   string // the network or volume name, or the image reference
	Unit   string
	Source string   // the resources/ file that configured it; "" for defaults
	Users  []string // the component units that require it, sorted
}

// need is one resource a component uses.
type need struct{ kind, name string }

// needsOf is what component c uses, in a fixed order: its network, its
// named volumes, its image.
func needsOf(c *config.Component) []need {
	if c.Runtime != config.Podman {
		return nil
	}
	var ns []need
	if n := config.NetworkName(c.Network); n != "" {
		ns = append(ns, need{"network", n})
	}
	for _, v := range c.Volumes {
		if n := config.VolumeName(v); n != "" {
			ns = append(ns, need{"volume", n})
		}
	}
	return append(ns, need{"image", c.Image})
}

// unitOf names the unit of a resource.
func (n need) unitOf() (string, error) {
	switch n.kind {
	case "network":
		return units.NetworkService(n.name)
	case "volume":
		return units.VolumeService(n.name)
	}
	return units.ImageService(n.name), nil
}

// resources builds one unit per resource that a valid component uses, in
// kind and name order, and records which component units need it. It runs
// before the component units are built, which only read b.needs.
func (b *builder) resources() {
	users := map[need][]string{}
	b.needs = map[*config.Component][]string{}
	for _, st := range b.out.Tree.Stages {
		for _, svc := range st.Services {
			for _, c := range svc.Components {
				unit, err := units.ServiceName(svc.Name, c.Name)
				if err != nil {
					continue
				}
				for _, n := range needsOf(c) {
					name, err := n.unitOf()
					if err != nil {
						b.problem(svc.Source, config.DisplayName(svc.Name, c.Name)+": "+n.kind+" "+n.name+": "+err.Error())
						continue
					}
					if len(users[n]) == 0 || users[n][len(users[n])-1] != unit {
						users[n] = append(users[n], unit)
					}
					b.needs[c] = appendNew(b.needs[c], name)
				}
			}
		}
	}
	needs := make([]need, 0, len(users))
	for n := range users {
		needs = append(needs, n)
	}
	sort.Slice(needs, func(i, j int) bool {
		if needs[i].kind != needs[j].kind {
			return needs[i].kind > needs[j].kind // volume, network, image
		}
		return needs[i].name < needs[j].name
	})
	res := b.out.Tree.Resources
	for _, n := range needs {
		name, _ := n.unitOf()
		var f *units.File
		var source string
		switch n.kind {
		case "network":
			net := res.Networks[n.name]
			if net == nil {
				net = &config.Network{Name: n.name, DNS: true}
			}
			f, source = b.networkUnit(name, net), net.Source
		case "volume":
			vol := res.Volumes[n.name]
			if vol == nil {
				vol = &config.NamedVolume{Name: n.name}
			}
			f, source = b.volumeUnit(name, vol), vol.Source
		case "image":
			im := res.ImageFor(n.name)
			f, source = b.imageUnit(name, im), im.Source
		}
		claimer := source
		if claimer == "" {
			claimer = n.kind + " " + n.name
		}
		if !b.claim(name, claimer) {
			continue
		}
		if br := res.Broken[n.kind+"s/"+n.name]; br != nil {
			source = br.Source
			f = brokenUnit(name, n.kind+" "+n.name, br.Source, br.Errors)
		}
		if err := f.Err(); err != nil {
			b.problem(source, err.Error())
			f = brokenUnit(name, n.kind+" "+n.name, source, []error{err})
		}
		u := append([]string(nil), users[n]...)
		sort.Strings(u)
		b.out.Resources = append(b.out.Resources, Resource{Kind: n.kind, Name: n.name, Unit: name, Source: source, Users: u})
		b.out.Units = append(b.out.Units, f)
	}
}

// resourceDeps makes a component unit require and follow the units of
// what it uses: a resource that fails fails the component with
// "dependency".
func (b *builder) resourceDeps(f *units.File, c *config.Component) {
	names := b.needs[c]
	u := f.Section("Unit")
	u.Names("Requires", names...)
	u.Names("After", names...)
}

// resourceUnit begins a resource unit: a oneshot that stays active, so a
// stop (of it or of the stack) never removes what it made.
func resourceUnit(name, what, source string, dropIns []string) (*units.File, *units.Section) {
	f := units.NewFile(name, header(source, dropIns...)...)
	u := f.Section("Unit")
	u.Text("Description", what+" (bootstage resource)")
	if source != "" {
		u.Text("SourcePath", source)
	}
	s := f.Section("Service")
	s.Literal("Type", "oneshot")
	s.Literal("RemainAfterExit", "yes")
	return f, s
}

// ensureScript runs the create command ("$@") only when `podman KIND
// exists NAME` says it is absent: idempotent, and a failed create shows
// podman's own error in the unit's status.
const ensureScript = `p=$1 kind=$2 name=$3; shift 3; "$p" "$kind" exists "$name" || exec "$@"`

func appendNew(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}
