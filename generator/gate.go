package generator

import (
	"fmt"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/units"
)

// gateMargin is how far TimeoutStartSec= stands above the stage timeout:
// the gate enforces the timeout itself, systemd's is only a backstop.
const gateMargin = 30 * time.Second

// gate is bootstage-S-gate.service: bootstage-healthd probing every
// component of the stage, READY=1 when all are healthy (DESIGN §3, §4).
func (b *builder) gate(at place, gs *Stage) *units.File {
	st := at.stage
	f := units.NewFile(gs.Gate, header(st.Source)...)
	u := f.Section("Unit")
	u.Text("Description", "bootstage stage "+st.Name+": health gate")
	u.Literal("Documentation", "man:bootstage-healthd(8)")
	if st.Source != "" {
		u.Text("SourcePath", st.Source)
	}
	// The gate stands where its components do: when an earlier stage
	// failed, it does not start either, and its stage target fails.
	at.deps(f)
	u.Names("After", gs.units()...)

	s := f.Section("Service")
	s.Literal("Type", "notify")
	s.Literal("NotifyAccess", "main")
	g := spec.Gate{Stage: st.Name, Timeout: st.Timeout, OnTimeout: st.OnTimeout, Probes: gs.probes()}
	groups := g.Args()
	groups[0] = append([]string{b.host.Healthd}, groups[0]...)
	s.Exec("ExecStart", "", groups...)
	if st.OnTimeout == config.Block {
		s.Literal("TimeoutStartSec", "infinity")
	} else {
		s.Literal("TimeoutStartSec", config.FormatDuration(st.Timeout+gateMargin))
	}
	// After READY=1 the gate only watches: if it dies, bring it back rather
	// than let the stage target, which requires it, go down with it. Under
	// "fail" an exit is the verdict and must stand.
	if st.OnTimeout != config.Fail {
		s.Literal("Restart", "on-failure")
		s.Literal("RestartSec", "1s")
		// exit 2 is a bad command line: restarting cannot mend it
		s.Literal("RestartPreventExitStatus", "2")
	}
	s.Literal("WatchdogSec", "30s")
	gateSandbox(s, needsSystemBus(g.Probes))
	err := f.Err()
	if verr := g.Validate(); err == nil && verr != nil {
		// The gate would refuse its command line at boot; the loader's
		// checks should have caught this.
		err = fmt.Errorf("%s: the gate would refuse its command line: %w", gs.Gate, verr)
	}
	if err != nil {
		// The stage fails, saying why, rather than its gate going missing
		// (too many probes for one command line) or refusing to start.
		b.problem(st.Source, err.Error())
		f = brokenUnit(gs.Gate, "stage "+st.Name+" gate", st.Source, []error{err})
		at.deps(f)
	}
	return f
}

// needsSystemBus says whether the gate talks to systemd over D-Bus: to read
// a unit's state (check systemd) or to restart one (on_unhealthy restart).
func needsSystemBus(probes []spec.Probe) bool {
	for _, p := range probes {
		if p.OnUnhealthy == config.ActionRestart || p.Check == config.CheckSystemd {
			return true
		}
	}
	return false
}

// gateSandbox confines the gate. It needs loopback (and outbound) TCP for
// probes and AF_UNIX for sd_notify, the journal and D-Bus; exec probes run
// under the same confinement. Without D-Bus it runs as a dynamic user.
// With D-Bus it runs as root without any capability: dbus-daemon refuses
// a uid that NSS cannot resolve (a DynamicUser= uid without nss-systemd),
// and systemd lets RestartUnit through for uid 0 without polkit. Measured
// with systemd 252: `systemd-analyze security` rates the first 1.1, the
// second 1.4, and under a real systemd both read ActiveState and the second
// restarts units.
func gateSandbox(s *units.Section, systemBus bool) {
	if !systemBus {
		s.Literal("DynamicUser", "yes")
	}
	for _, kv := range [][2]string{
		{"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"PrivateDevices", "yes"},
		{"PrivateUsers", "yes"},
		{"PrivateMounts", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectKernelLogs", "yes"},
		{"ProtectControlGroups", "yes"},
		{"ProtectClock", "yes"},
		{"ProtectHostname", "yes"},
		{"ProtectProc", "invisible"},
		{"ProcSubset", "pid"},
		{"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
		{"RestrictNamespaces", "yes"},
		{"RestrictRealtime", "yes"},
		{"RestrictSUIDSGID", "yes"},
		{"LockPersonality", "yes"},
		{"MemoryDenyWriteExecute", "yes"},
		{"RemoveIPC", "yes"},
		{"KeyringMode", "private"},
		{"DevicePolicy", "closed"},
		{"SystemCallArchitectures", "native"},
		{"SystemCallFilter", "@system-service"},
		{"SystemCallFilter", "~@privileged @resources"},
		{"SystemCallErrorNumber", "EPERM"},
		{"CapabilityBoundingSet", ""},
		{"AmbientCapabilities", ""},
		{"UMask", "0077"},
	} {
		s.Literal(kv[0], kv[1])
	}
}
