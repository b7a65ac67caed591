package generator

import (
	"time"

	"github.com/bootstage/bootstage/generator/config"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/units"
)

// gateMargin is how far TimeoutStartSec= stands above the stage timeout:
// the gate enforces the timeout itself, systemd's is only a backstop.
const gateMargin = 30 * time.Second

// gate is bootstage-S-gate.service: bootstage-healthd probing every
// component of the stage, READY=1 when all are healthy (DESIGN §3, §4).
func (b *builder) gate(st *config.Stage, su stageUnits) *units.File {
	name := mustName(units.GateService(st.Name))
	f := units.NewFile(name, header(st.Source)...)
	u := f.Section("Unit")
	u.Text("Description", "bootstage stage "+st.Name+": health gate")
	u.Literal("Documentation", "man:bootstage-healthd(8)")
	if st.Source != "" {
		u.Text("SourcePath", st.Source)
	}
	u.Names("After", su.components...)

	s := f.Section("Service")
	s.Literal("Type", "notify")
	s.Literal("NotifyAccess", "main")
	g := spec.Gate{Stage: st.Name, Timeout: st.Timeout, OnTimeout: string(st.OnTimeout), Probes: su.probes}
	groups := g.Args()
	groups[0] = append([]string{HealthdPath}, groups[0]...)
	s.Exec("ExecStart", "", groups...)
	if st.OnTimeout == config.Block {
		s.Literal("TimeoutStartSec", "infinity")
	} else {
		s.Literal("TimeoutStartSec", units.Timespan(st.Timeout+gateMargin))
	}
	// After READY=1 the gate only watches: if it dies, bring it back rather
	// than let the stage target, which requires it, go down with it. Under
	// "fail" an exit is the verdict and must stand.
	if st.OnTimeout != config.Fail {
		s.Literal("Restart", "on-failure")
		s.Literal("RestartSec", "1s")
	}
	s.Literal("WatchdogSec", "30s")
	gateSandbox(s, restarts(su.probes))
	return f
}

func restarts(probes []spec.Probe) bool {
	for _, p := range probes {
		if p.OnUnhealthy == spec.Restart {
			return true
		}
	}
	return false
}

// gateSandbox confines the gate: it needs loopback and outbound TCP for
// probes, the system bus to read unit state, and, only when a component
// asks to be restarted when unhealthy, the privilege to ask systemd for it.
func gateSandbox(s *units.Section, restarts bool) {
	if !restarts {
		s.Literal("DynamicUser", "yes")
	}
	for _, kv := range [][2]string{
		{"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"PrivateDevices", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectKernelLogs", "yes"},
		{"ProtectControlGroups", "yes"},
		{"ProtectClock", "yes"},
		{"ProtectHostname", "yes"},
		{"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
		{"RestrictNamespaces", "yes"},
		{"RestrictRealtime", "yes"},
		{"RestrictSUIDSGID", "yes"},
		{"LockPersonality", "yes"},
		{"MemoryDenyWriteExecute", "yes"},
		{"SystemCallArchitectures", "native"},
		{"SystemCallFilter", "@system-service"},
		{"CapabilityBoundingSet", ""},
		{"UMask", "0077"},
	} {
		s.Literal(kv[0], kv[1])
	}
}
