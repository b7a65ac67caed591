package units

import (
	"strings"
	"testing"
)

func TestSystemdOwned(t *testing.T) {
	t.Parallel()
	for unit, want := range map[string]string{
		"dbus.service":                   "systemd's dbus.service, a special unit of systemd.special(7)",
		"dbus.socket.service":            "systemd's dbus.socket, a special unit of systemd.special(7)",
		"getty.service":                  "systemd's getty.target, a special unit of systemd.special(7)",
		"getty-pre.service":              "systemd's getty-pre.target, a special unit of systemd.special(7)",
		"emergency.service":              "systemd's emergency.service, a unit systemd itself ships",
		"user.service":                   "systemd's user.slice, a special unit of systemd.special(7)",
		"serial-getty.service":           "systemd's serial-getty@.service, a unit systemd itself ships",
		"blockdev.service":               "systemd's blockdev@.target, a special unit of systemd.special(7)",
		"systemd.service":                "systemd's own systemd.service: the name is systemd's",
		"systemd-logind.service":         "systemd's own systemd-logind.service: systemd-* is systemd's namespace",
		"systemd-.service":               "systemd's own systemd-.service: systemd-* is systemd's namespace",
		"bootstage-core.target":          "",
		"web.service":                    "",
		"sshd.service":                   "",
		"dbus-broker.service":            "",
		"app.service":                    "", // app.slice is the user manager's
		"systemd.io.service":             "",
		"Dbus.service":                   "", // unit names are case-sensitive
		"network-manager.service":        "",
		"multi-user-x.service":           "",
		"dbus-org.freedesktop.x.service": "systemd's own dbus-org.freedesktop.x.service: dbus-org.freedesktop.* is systemd's namespace",
	} {
		if got := SystemdOwned(unit); got != want {
			t.Errorf("SystemdOwned(%q) = %q, want %q", unit, got, want)
		}
	}
}

// Every unit listed is refused by its own name and, as a service, by its
// stem; the lists hold no duplicates.
func TestSystemdUnitsRefused(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, u := range append(append([]string(nil), specialUnits...), shippedUnits...) {
		if seen[u] {
			t.Errorf("%s is listed twice", u)
		}
		seen[u] = true
		if SystemdOwned(u) == "" {
			t.Errorf("%s is not refused", u)
		}
		stem := strings.TrimSuffix(u[:strings.LastIndexByte(u, '.')], "@")
		if SystemdOwned(stem+".service") == "" {
			t.Errorf("%s.service is not refused, beside %s", stem, u)
		}
	}
}
