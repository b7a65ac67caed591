package units

import "strings"

// specialUnits are the units of systemd.special(7), systemd 252, that the
// system manager knows ("-.mount" and "-.slice" left out: no name bootstage
// accepts can reach them). Those of the user manager alone (app.slice,
// graphical-session.target, ...) are not in the system's namespace.
var specialUnits = []string{
	"basic.target", "blockdev@.target", "bluetooth.target", "boot-complete.target",
	"cryptsetup-pre.target", "cryptsetup.target", "ctrl-alt-del.target", "dbus.service",
	"dbus.socket", "default.target", "display-manager.service", "emergency.target",
	"exit.target", "factory-reset.target", "final.target", "first-boot-complete.target",
	"getty-pre.target", "getty.target", "graphical.target", "halt.target", "hibernate.target",
	"hybrid-sleep.target", "init.scope", "initrd-fs.target", "initrd-root-device.target",
	"initrd-root-fs.target", "initrd-usr-fs.target", "initrd.target",
	"integritysetup-pre.target", "integritysetup.target", "kbrequest.target", "kexec.target",
	"local-fs-pre.target", "local-fs.target", "machine.slice", "machines.target",
	"multi-user.target", "network-online.target", "network-pre.target", "network.target",
	"nss-lookup.target", "nss-user-lookup.target", "paths.target", "poweroff.target",
	"printer.target", "reboot.target", "remote-cryptsetup.target", "remote-fs-pre.target",
	"remote-fs.target", "remote-veritysetup.target", "rescue.target", "rpcbind.target",
	"runlevel2.target", "runlevel3.target", "runlevel4.target", "runlevel5.target",
	"shutdown.target", "sigpwr.target", "sleep.target", "slices.target", "smartcard.target",
	"sockets.target", "sound.target", "suspend-then-hibernate.target", "suspend.target",
	"swap.target", "sysinit.target", "syslog.socket", "system-update-cleanup.service",
	"system-update-pre.target", "system-update.target", "system.slice", "time-set.target",
	"time-sync.target", "timers.target", "umount.target", "usb-gadget.target", "user.slice",
	"veritysetup-pre.target", "veritysetup.target",
}

// shippedUnits are the services and targets systemd 252 itself installs
// that are not special units and whose names do not start with
// "systemd-" (its mount units are named after paths, and left out).
var shippedUnits = []string{
	"autovt@.service", "console-getty.service", "container-getty@.service", "debug-shell.service",
	"emergency.service", "getty@.service", "initrd-cleanup.service", "initrd-parse-etc.service",
	"initrd-switch-root.service", "initrd-switch-root.target", "initrd-udevadm-cleanup-db.service",
	"kmod-static-nodes.service", "ldconfig.service", "modprobe@.service", "quotaon.service",
	"rc-local.service", "rescue.service", "runlevel0.target", "runlevel1.target",
	"runlevel6.target", "serial-getty@.service", "user-runtime-dir@.service", "user@.service",
}

// systemdPrefixes are name prefixes that are systemd's whole: its own
// services, and the D-Bus activation aliases it installs
// (dbus-org.freedesktop.login1.service, ...).
var systemdPrefixes = []string{"systemd-", "dbus-org.freedesktop."}

// systemdNames maps each unit of systemd's own, by its full name and by
// its name without the type and template "@", to what SystemdOwned says of
// it. A full name wins: emergency.service is systemd's emergency.service,
// not its emergency.target.
var systemdNames = func() map[string]string {
	m := map[string]string{}
	for _, list := range []struct {
		units []string
		what  string
	}{{specialUnits, "a special unit of systemd.special(7)"}, {shippedUnits, "a unit systemd itself ships"}} {
		for _, u := range list.units {
			m[u] = "systemd's " + u + ", " + list.what
		}
	}
	for _, list := range [][]string{specialUnits, shippedUnits} {
		for _, u := range list {
			stem := strings.TrimSuffix(u[:strings.LastIndexByte(u, '.')], "@")
			if _, ok := m[stem]; !ok {
				m[stem] = m[u]
			}
		}
	}
	return m
}()

// SystemdOwned reports whether the unit name unit belongs to systemd: its
// name without the type is "systemd", starts with "systemd-" or
// "dbus-org.freedesktop.", or is the name of a unit of systemd.special(7)
// or of one systemd ships, whatever that unit's type: bootstage writes
// services only, but a dbus.service that is not D-Bus, or a basic.service
// beside basic.target, would pass for systemd's own. It returns the unit
// of systemd's that unit would shadow and what that is ("systemd's
// dbus.service, a special unit of systemd.special(7)"), or "" when the
// name is not systemd's.
func SystemdOwned(unit string) string {
	stem := unit
	if i := strings.LastIndexByte(unit, '.'); i > 0 {
		stem = unit[:i]
	}
	if stem == "systemd" {
		return "systemd's own " + unit + ": the name is systemd's"
	}
	for _, p := range systemdPrefixes {
		if strings.HasPrefix(stem, p) {
			return "systemd's own " + unit + ": " + p + "* is systemd's namespace"
		}
	}
	if what, ok := systemdNames[unit]; ok {
		return what
	}
	return systemdNames[stem]
}
