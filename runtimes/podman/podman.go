// Package podman is the podman runtime of bootstage: it turns one component
// into the [Service] section of a unit that runs `podman run`, following the
// conventions of podman's own systemd integration (podman-systemd.unit(5),
// Quadlet): Type=notify with --sdnotify=conmon, a cidfile, --replace, --rm,
// Delegate=yes, KillMode=mixed, and a stop that removes the container.
//
// The argv is built in a fixed order (see runArgv) so the same component
// always gives byte-identical units, and every value reaches the unit
// through the units package, which escapes it for systemd.
package podman

import (
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

// Defaults used when the generator leaves a Host field empty, so that the
// zero Host describes a stock Debian/Fedora machine.
const (
	DefaultPodman      = "/usr/bin/podman"
	DefaultCgroupsMode = "split"
)

// stopHeadroom is added to a component's stop_timeout for TimeoutStopSec=:
// podman waits stop_timeout before it kills the container, then still has to
// remove it. `podman generate systemd` uses the same 60s margin.
const stopHeadroom = 60 * time.Second

// rmPath removes the cidfile. /bin/rm exists on merged-/usr and split
// systems alike.
const rmPath = "/bin/rm"

// Runtime is the podman runtime. Its zero value is ready to use.
type Runtime struct{}

var _ runtimes.Runtime = Runtime{}

// Fill adds the [Service] section of component c of service s to f, and
// RequiresMountsFor= in [Unit] for host directories it bind-mounts. The
// container is named after the unit (f.Name without ".service"), so
// `podman ps`, `podman logs` and `journalctl -u` all use one name.
//
// Fill trusts what config validation guarantees: a non-empty image and a
// known restart policy. Values systemd could not read back (a newline, say)
// are refused by the units package and reported by f.Err.
func (Runtime) Fill(f *units.File, s *config.Service, c *config.Component, h runtimes.Host) {
	if h.Podman == "" {
		h.Podman = DefaultPodman
	}
	if h.CgroupsMode == "" {
		h.CgroupsMode = DefaultCgroupsMode
	}
	stem := strings.TrimSuffix(f.Name, ".service")
	name := ContainerName(stem)
	cid := cidFile(stem)

	requireMounts(f.Section("Unit"), c.Volumes)

	svc := f.Section("Service")
	svc.Text("Type", "notify")
	// conmon, not the main process podman, sends READY=1 and MAINPID=.
	svc.Text("NotifyAccess", "all")
	// Lets `podman auto-update` and podman's own tools find the unit.
	svc.Literal("Environment", "PODMAN_SYSTEMD_UNIT=%n")
	// crun creates the container's cgroups below the unit's (split mode).
	svc.Text("Delegate", "yes")
	// SIGTERM reaches conmon alone, which stops the container its own way;
	// only the final SIGKILL goes to the whole cgroup.
	svc.Text("KillMode", "mixed")
	// podman's own lines (the container ID, errors) carry the same
	// identifier conmon gives the container's output.
	svc.Text("SyslogIdentifier", name)
	svc.Text("TimeoutStartSec", config.FormatDuration(startTimeout(c)))
	if c.StopTimeout > 0 {
		svc.Text("TimeoutStopSec", config.FormatDuration(c.StopTimeout+stopHeadroom))
	}
	runtimes.Restart(svc, c.Restart)
	// conmon exits with the container's status; a container ended by the
	// SIGTERM of a stop exits 143, which is a clean stop, not a failure.
	// 137 (killed when the stop grace ran out) stays a failure.
	svc.Text("SuccessExitStatus", "143")
	// podman 4.3 `run --cidfile` refuses to start while the file exists,
	// and neither `podman rm --cidfile` nor --rm deletes it: without this
	// every second start fails ("container id file exists").
	svc.Exec("ExecStartPre", "", []string{rmPath, "-f", units.Specifiers(cid)})
	secretCommands(svc, h.Podman, name, c)
	svc.Exec("ExecStart", "", runArgv(h, c, name, cid)...)
	svc.Exec("ExecStop", "", removeArgv(h.Podman, cid))
	// ExecStop= is skipped when conmon died or the start failed; these run
	// in every case, and leave nothing behind in /run.
	svc.Exec("ExecStopPost", "-", removeArgv(h.Podman, cid))
	svc.Exec("ExecStopPost", "-", []string{rmPath, "-f", units.Specifiers(cid)})
	secretCleanup(svc, h.Podman, name, c)
}

func startTimeout(c *config.Component) time.Duration {
	if c.StartTimeout > 0 {
		return c.StartTimeout
	}
	return config.DefaultContainerStartTimeout
}

// cidFile is where podman writes the container ID: %t/%N.cid, the runtime
// directory and the unit's name, as podman's own units spell it. The
// stem is not needed: systemd expands the specifiers.
func cidFile(string) string {
	return "%t/%N.cid"
}

// removeArgv stops and removes the container named in the cidfile, with its
// anonymous volumes; -i makes a container that is already gone a success.
func removeArgv(podman, cid string) []string {
	return []string{podman, "rm", "-v", "-f", "-i", units.Specifiers("--cidfile=" + cid)}
}

// requireMounts orders the unit after the mounts holding the host side of
// each bind mount. Named volumes (no leading "/") need none. A path that
// RequiresMountsFor= would split or unescape (whitespace, quotes, "\") is
// left out: the volume still works, only the ordering is lost.
func requireMounts(unit *units.Section, vols []config.Volume) {
	seen := map[string]bool{}
	for _, v := range vols {
		p := v.Host
		if !strings.HasPrefix(p, "/") || seen[p] || strings.ContainsAny(p, " \t\"'\\") {
			continue
		}
		seen[p] = true
		unit.Text("RequiresMountsFor", p)
	}
}

// Validate has nothing to add for podman: the config loader checks every
// podman key, and podman itself judges image references and options.
func (Runtime) Validate(*config.Component, runtimes.Host) []config.FieldError { return nil }
