package podman

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

// runArgv is the `podman run` command line, one group per line of the
// rendered ExecStart= (see units.Section.Exec), in a fixed order:
//
//	podman run <bootstage's own options>
//	--user, --network, --publish (one per port, in config order),
//	--volume (one per volume, in config order), --env (sorted by key),
//	--entrypoint, podman_args (one line, as given),
//	image cmd...
//
// Log driver: journald, named explicitly because podman's default depends
// on containers.conf and on whether systemd runs (k8s-file otherwise).
// conmon writes each line to the journal from inside the unit's cgroup, so
// journald files it under the unit (`journalctl -u`), with the container
// name as SYSLOG_IDENTIFIER; `podman logs` keeps working. passthrough would
// hand the container the unit's journal socket instead: `podman logs` is
// then empty (podman 4.3), and a program that open()s /dev/stdout fails
// with ENXIO on a socket (nginx-style images do exactly that); Quadlet
// dropped it as its default in podman 4.5 for those reasons.
//
// Every configuration value stands where podman reads it as one word of
// what it means, never as an option of its own. systemd's quoting keeps
// each word whole (units.Section.Exec); what podman would misread, the
// config loader refuses, each at its key:
//
//   - --user, --network: a word of their own after the option, which pflag
//     takes as the value whatever it is; still refused when it starts
//     with "-" or holds blanks (config.CheckWord), which no user or network
//     does.
//   - --publish, --volume, --env: rebuilt from what ParsePort, ParseVolume
//     and the env name rule accept: numbers, addresses, absolute paths, a
//     volume name starting with a letter or digit, KEY=VALUE with a
//     KEY of letters, digits and "_".
//   - --entrypoint: its program is one word to podman (config.CheckWord).
//   - podman_args: each must be an option (config.CheckOption), values
//     joined with "=": a word that is not would be taken for the image.
//     A value-taking option left without its value still swallows the
//     next word; podman's own option table would be needed to tell.
//   - the image: the first word that is not an option, in the grammar of
//     containers/image (config.CheckReference), so never "-...".
//   - cmd: after the image, the container's own arguments, passed as given.
//
// -d: with --sdnotify=conmon, conmon reports READY=1 and its own PID as
// MAINPID once the container runs, and podman run may exit. Without -d,
// podman would stay attached and copy the container's output to the unit's
// stdout as well, so every line would reach the journal twice.
func runArgv(h runtimes.Host, c *config.Component, name, cid string) [][]string {
	head := []string{h.Podman, "run", "--name=" + name, units.Specifiers("--cidfile=" + cid),
		"--replace", "--rm", "--cgroups=" + h.CgroupsMode, "--sdnotify=conmon", "-d",
		"--log-driver=journald"}
	if c.StopTimeout > 0 {
		head = append(head, "--stop-timeout="+itoa(seconds(c.StopTimeout)))
	}
	if c.Init {
		// an init as PID 1 forwards SIGTERM to a command that ignores it
		head = append(head, "--init")
	}
	groups := [][]string{head}
	if c.User != "" {
		groups = append(groups, []string{"--user", c.User})
	}
	if c.Network != "" {
		groups = append(groups, []string{"--network", c.Network})
	}
	for _, p := range c.Ports {
		groups = append(groups, []string{"--publish", p.String()})
	}
	for _, v := range c.Volumes {
		groups = append(groups, []string{"--volume", v.String()})
	}
	for _, e := range sortedEnv(c.Env) {
		groups = append(groups, []string{"--env", e.Key + "=" + e.Value})
	}
	groups = append(groups, limitArgs(c, name)...)
	if len(c.Entrypoint) > 0 {
		groups = append(groups, []string{"--entrypoint", EntrypointSpec(c.Entrypoint)})
	}
	if len(c.PodmanArgs) > 0 {
		groups = append(groups, append([]string(nil), c.PodmanArgs...))
	}
	return append(groups, append([]string{c.Image}, c.Cmd...))
}

// EntrypointSpec renders an entrypoint for --entrypoint. podman first tries
// to read the value as a JSON array and takes it as one plain string when
// that fails, so one element is given plain (unless it would itself read as
// JSON) and more than one as a JSON array.
func EntrypointSpec(ep []string) string {
	if len(ep) == 1 {
		var probe []string
		if json.Unmarshal([]byte(ep[0]), &probe) != nil {
			return ep[0]
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<>&" readable; podman's decoder takes both
	_ = enc.Encode(ep)       // a []string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// ContainerName is the podman container name for a unit name stem. podman
// allows [a-zA-Z0-9][a-zA-Z0-9_.-]*; a stem within that is used as is
// ("metacrypt-api"). Any other stem (systemd escapes such as "\x2f", or ":")
// has those bytes replaced by "_" and a hash of the whole stem appended, so
// that two units can never share a container: --replace would remove the
// other unit's.
func ContainerName(stem string) string {
	if validName(stem) {
		return stem
	}
	b := []byte(stem)
	for i, ch := range b {
		if !nameByte(ch) || (i == 0 && !alnum(ch)) {
			b[i] = '_'
		}
	}
	if len(b) == 0 || !alnum(b[0]) {
		b = append([]byte("c"), b...)
	}
	sum := sha256.Sum256([]byte(stem))
	return string(b) + "-" + hex.EncodeToString(sum[:4])
}

func validName(s string) bool {
	if s == "" || !alnum(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte(s[i]) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func nameByte(c byte) bool { return alnum(c) || c == '_' || c == '.' || c == '-' }

// sortedEnv returns env sorted by key (stable, so a repeated key keeps its
// order and the last one wins in podman as in the config).
func sortedEnv(env []config.EnvVar) []config.EnvVar {
	out := append([]config.EnvVar(nil), env...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// seconds rounds d up to whole seconds, podman's --stop-timeout unit.
func seconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
