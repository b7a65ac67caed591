package generator

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/podman"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

// runtimeOf is the unit builder of runtime r; nil for a runtime this
// bootstage does not know, which the loader never lets through.
func runtimeOf(r config.Runtime) runtimes.Runtime {
	switch r {
	case config.Podman:
		return podman.Runtime{}
	case config.QEMU:
		return qemu.Runtime{}
	}
	return nil
}
