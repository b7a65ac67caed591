package generator

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// volumeUnit creates podman volume v when it is absent. It never removes
// it: the data in it outlives every restart and stop.
func (b *builder) volumeUnit(name string, v *config.NamedVolume) *units.File {
	f, s := resourceUnit(name, "podman volume "+v.Name, v.Source, v.DropIns)
	podman := b.podman()
	create := []string{podman, "volume", "create"}
	if v.Driver != "" {
		create = append(create, "--driver", v.Driver)
	}
	for _, o := range v.Options {
		create = append(create, "--opt", o.Key+"="+o.Value)
	}
	create = append(create, v.Name)
	s.Exec("ExecStart", "", []string{"/bin/sh", "-c", ensureScript, "sh", podman, "volume", v.Name}, create)
	return f
}
