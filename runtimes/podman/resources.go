package podman

import (
	"strconv"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// limitArgs are the groups of the node keys: env files, limits, the
// auto-update label, secrets (DESIGN §2.1), in that order.
func limitArgs(c *config.Component, container string) [][]string {
	var groups [][]string
	for _, f := range c.EnvFiles {
		groups = append(groups, []string{"--env-file", f})
	}
	if c.Memory > 0 {
		groups = append(groups, []string{"--memory=" + strconv.FormatInt(c.Memory, 10)})
	}
	if c.CPUs > 0 {
		groups = append(groups, []string{"--cpus=" + strconv.FormatFloat(c.CPUs, 'f', -1, 64)})
	}
	if c.PidsLimit > 0 {
		groups = append(groups, []string{"--pids-limit=" + strconv.Itoa(c.PidsLimit)})
	}
	if c.AutoUpdate != "" {
		groups = append(groups, []string{"--label", "io.containers.autoupdate=" + string(c.AutoUpdate)})
	}
	for _, s := range c.Secrets {
		groups = append(groups, []string{"--secret", secretName(container, s.Name) + ",type=mount,target=" + s.Target +
			",mode=0" + strconv.FormatUint(uint64(s.Mode), 8) + ",uid=" + strconv.Itoa(s.UID) + ",gid=" + strconv.Itoa(s.GID)})
	}
	return groups
}

// secretName is the podman secret that holds a component's secret while
// its container runs: one per unit, so two units never share one.
func secretName(container, name string) string { return container + "-" + config.CredentialID(name) }

// secretCommands creates each podman secret from the credential systemd
// loaded into %d before the container starts; secretCleanup removes them
// once the container is gone. podman copies the content into the container's own secrets
// directory, and `podman inspect` shows only the secret's name and ID.
func secretCommands(svc *units.Section, podman, container string, c *config.Component) {
	for _, s := range c.Secrets {
		name := secretName(container, s.Name)
		svc.Exec("ExecStartPre", "-", []string{podman, "secret", "rm", name})
		svc.Exec("ExecStartPre", "", []string{podman, "secret", "create", name, units.Specifiers("%d/" + config.CredentialID(s.Name))})
	}
}

func secretCleanup(svc *units.Section, podman, container string, c *config.Component) {
	for _, s := range c.Secrets {
		svc.Exec("ExecStopPost", "-", []string{podman, "secret", "rm", secretName(container, s.Name)})
	}
}
