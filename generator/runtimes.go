package generator

import (
	"github.com/bootstage/bootstage/generator/config"
	"github.com/bootstage/bootstage/runtimes/podman"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

func init() {
	Runtimes[config.Podman] = podman.Runtime{}
	Runtimes[config.QEMU] = qemu.Runtime{}
	DetectKVM = qemu.DetectKVM
}
