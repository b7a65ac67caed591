package vm

import (
	"fmt"
	"strings"

	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/units"
)

// SocketFor turns what an operator typed after `bootstage vm status|stop`
// into a QMP socket path: an absolute path is taken as the socket itself,
// "SERVICE/COMPONENT" names a component, anything else is a unit name with
// or without ".service" ("metacrypt-vm").
func SocketFor(name string) (string, error) {
	switch {
	case strings.HasPrefix(name, "/"):
		return name, nil
	case strings.Contains(name, "/"):
		svc, comp, _ := strings.Cut(name, "/")
		unit, err := units.ServiceName(svc, comp)
		if err != nil {
			return "", err
		}
		return qemu.SocketPath(unit), nil
	case name == "":
		return "", fmt.Errorf("no VM named")
	}
	return qemu.SocketPath(name), nil
}
