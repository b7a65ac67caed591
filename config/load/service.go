package load

import (
	"github.com/bootstage/bootstage/config"

	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/bootstage/bootstage/units"
)

// ParseService reads one services/NAME.toml against the stages it may
// name. It returns the service when the file is valid; otherwise a nil
// service and every problem found.
func ParseService(file, src string, stages *Stages, checks ...config.RuntimeCheck) (*config.Service, config.Problems) {
	return parseService(file, src, nil, stages, checks, nil)
}

// parseService is ParseService with drop-ins merged over the file, and
// what it names of other files checked against res (nil: not checked).
func parseService(file, src string, drops []string, stages *Stages, checks []config.RuntimeCheck, res *config.Resources) (*config.Service, config.Problems) {
	d, t, err := parseMerged(file, src, drops)
	if err != nil {
		return nil, d.problems
	}
	stem := strings.TrimSuffix(filepath.Base(file), ".toml")
	s := &config.Service{Source: file, Name: stem, DropIns: d.dropIns}
	if n := t.str("name", stem); n != stem {
		d.errAt("name", fmt.Sprintf("rename the file to %s.toml, or drop the key", n),
			"name %q does not match the file name %q", n, stem)
	}
	s.Stage = stages.resolve(t, stem)
	s.Nodes = t.strs("nodes")
	s.Nodes, s.Active = nodeAlias(t, s.Nodes), active(t)
	// A service's runtime is the default of its components (MCP's
	// definitions set it there).
	runtime := enum(t, "runtime", string(config.DefaultRuntime), config.RuntimeWords)
	comps := t.tables("components")
	if len(comps) == 0 && !t.has("components") {
		d.errAt("", "add a [[components]] table", "a service needs at least one component")
	}
	for _, ct := range comps {
		c := parseComponent(ct, runtime)
		homeRoutes(s.Name, c)
		resolveHealth(ct, c, stages.check(s.Stage))
		for _, check := range checks {
			for _, fe := range check(c) {
				ct.d.errAtKey(ct.key(spelled(ct, fe.Key)), fe.Hint, "%s", fe.Msg)
			}
		}
		s.Components = append(s.Components, c)
	}
	t.done()
	checkComponentNames(d, s, comps)
	checkReferences(d, s, res)
	checkStrings(d, t)
	if ps := d.finish(); len(ps) > 0 {
		return nil, ps
	}
	return s, nil
}

func checkComponentNames(d *doc, s *config.Service, comps []table) {
	seen := map[string]bool{}
	for i, c := range s.Components {
		switch {
		case c.Name != "" && !config.ValidName(c.Name):
			d.errAt(comps[i].key("name"), config.NameHint, "invalid component name %q", c.Name)
		case c.Name == "" && len(s.Components) > 1:
			d.errAt(comps[i].path, `add name = "..."`, "a service with several components must name each")
		case seen[c.Name]:
			d.errAt(comps[i].key("name"), "", "duplicate component name %q", c.Name)
		}
		seen[c.Name] = true
	}
}

// parseComponent reads one [[components]] table; runtime is the
// service's, which the component's own runtime key overrides.
func parseComponent(t table, runtime string) *config.Component {
	c := &config.Component{Name: t.str("name", "")}
	rt := enum(t, "runtime", runtime, config.RuntimeWords)
	switch rt {
	case config.Unikernel:
		c.Runtime, c.Nanos = config.QEMU, true
	case config.Container:
		c.Runtime = config.Podman
	default:
		c.Runtime = config.Runtime(rt)
	}
	c.Image = t.str("image", "")
	if c.Image != "" {
		if err := config.CheckReference(c.Image); err != nil {
			t.d.errAt(t.key("image"), config.ReferenceHint, "invalid image reference %q: %v", c.Image, err)
		}
	}
	c.Ports = parsePorts(t)
	c.Volumes = parseVolumes(t)
	c.Restart = enum(t, "restart", config.DefaultRestart, config.Restarts)
	c.StartTimeout = t.duration("start_timeout", 0)
	c.StopTimeout = t.duration("stop_timeout", 0)
	if c.Runtime == config.Podman || c.Nanos {
		// A container's command and environment, or a unikernel's
		// arguments and environment.
		c.Cmd = t.strs("cmd")
		c.Env = parseEnv(t)
	} else {
		onlyFor(t, "cmd", "env")
	}
	switch {
	case c.Runtime == config.Podman:
		parsePodman(t, c)
	case c.Nanos:
		parseUnikernel(t, c)
	default:
		parseQEMU(t, c)
	}
	parseRoutes(t, c)
	c.Health = parseHealth(t)
	parseNodeKeys(t, c)
	t.done()
	return c
}

// runtimesOf are the runtime words each runtime-specific key is for, as
// messages name them.
var runtimesOf = map[string][]string{
	"cmd": {string(config.Podman), config.Unikernel}, "env": {string(config.Podman), config.Unikernel},
	"entrypoint": {string(config.Podman)}, "network": {string(config.Podman)}, "user": {string(config.Podman)},
	"podman_args": {string(config.Podman)}, "init": {string(config.Podman)},
	"kernel": {string(config.QEMU)}, "initrd": {string(config.QEMU)}, "append": {string(config.QEMU)},
	"disk": {string(config.QEMU)}, "snapshot": {string(config.QEMU)},
	"image_path": {string(config.QEMU), config.Unikernel}, "memory_mb": {string(config.QEMU), config.Unikernel},
	"vcpus": {string(config.QEMU), config.Unikernel},
	"accel": {string(config.QEMU), config.Unikernel}, "qemu_args": {string(config.QEMU), config.Unikernel},
	"program":  {config.Unikernel},
	"env_file": {string(config.Podman)}, "auto_update": {string(config.Podman)}, "pids_limit": {string(config.Podman)},
}

// onlyFor reports keys set on a component whose runtime has no use for
// them, naming the runtimes that do.
func onlyFor(t table, keys ...string) {
	for _, k := range keys {
		if t.has(k) {
			words := ""
			for i, w := range runtimesOf[k] {
				if i > 0 {
					words += " or "
				}
				words += fmt.Sprintf("%q", w)
			}
			t.d.errAtKey(t.key(k), "", "%s is only for runtime = %s", k, words)
		}
	}
}

// aliases are the keys that say the same as another: a runtime names one
// in its messages, the operator may have written the other.
var aliases = map[string]string{"memory_mb": "memory", "memory": "memory_mb"}

// spelled is key as the component's table spells it: a runtime's message
// about memory_mb points at memory when that is what the file says, and
// the other way round.
func spelled(t table, key string) string {
	if alias, ok := aliases[key]; ok && !t.has(key) && t.has(alias) {
		return alias
	}
	return key
}

func parsePodman(t table, c *config.Component) {
	c.Entrypoint = t.strs("entrypoint")
	c.Network = t.str("network", "")
	c.User = t.str("user", "")
	c.PodmanArgs = t.strs("podman_args")
	c.Init = t.boolean("init")
	if c.Image == "" {
		t.d.errAt(t.path, `add image = "registry.example/name:tag"`, "a podman component needs an image")
	}
	checkPodmanWords(t, c)
	if c.Network == "host" && len(c.Ports) > 0 {
		t.d.errAt(t.key("ports"), "drop ports: the container uses the host's ports directly; or join another network",
			`podman ignores published ports with network = "host"`)
	}
	onlyFor(t, "kernel", "initrd", "append", "disk", "snapshot", "image_path",
		"memory_mb", "vcpus", "accel", "qemu_args", "program")
}

// checkPodmanWords refuses the values podman would misread, each at its
// key. user and network are option values of their own word, and the
// entrypoint's program is one word to podman: none may start with "-" or
// hold blanks. podman_args come right before the image: each must be an
// option, or podman would take it for the image. (Volume names, env keys
// and ports are checked as they are parsed; cmd words after the image are
// the container's own.)
func checkPodmanWords(t table, c *config.Component) {
	for _, kv := range [][3]string{
		{"user", c.User, `USER[:GROUP] or UID[:GID], e.g. "1000:1000"`},
		{"network", c.Network, `a podman network name or mode, e.g. "mynet" or "slirp4netns"`},
	} {
		if kv[1] == "" {
			continue
		}
		if err := config.CheckWord(kv[1]); err != nil {
			t.d.errAt(t.key(kv[0]), kv[2], "invalid %s %q: %v", kv[0], kv[1], err)
		}
	}
	if len(c.Entrypoint) > 0 {
		if err := config.CheckWord(c.Entrypoint[0]); err != nil {
			t.d.errAt(join(t.key("entrypoint"), "0"), `the program, then each argument as its own element: ["/bin/sh", "-c"]`,
				"invalid program %q: %v", c.Entrypoint[0], err)
		}
	}
	for i, a := range c.PodmanArgs {
		if err := config.CheckOption(a); err != nil {
			t.d.errAt(join(t.key("podman_args"), strconv.Itoa(i)), `one option per element, its value joined with "=", e.g. "--label=a=b"`,
				"%q: %v: podman would read it as the image", a, err)
		}
	}
}

// parseQEMU reads what a VM of runtime = "qemu" has beyond the shared keys.
// What a VM needs to boot (one boot source, memory, ...) is the QEMU
// runtime's to say: see runtimes/qemu Validate, run through a Check.
func parseQEMU(t table, c *config.Component) {
	c.Kernel = t.str("kernel", "")
	c.Initrd = t.str("initrd", "")
	c.Append = t.str("append", "")
	c.Disk = t.str("disk", "")
	c.Snapshot = t.boolean("snapshot")
	parseGuest(t, c)
	onlyFor(t, "entrypoint", "network", "user", "podman_args", "init", "program")
}

// parseUnikernel reads what a Nanos guest has beyond the shared keys: its
// program, on the host or in its image.
func parseUnikernel(t table, c *config.Component) {
	c.Program = t.str("program", "")
	parseGuest(t, c)
	onlyFor(t, "entrypoint", "network", "user", "podman_args", "init",
		"kernel", "initrd", "append", "disk", "snapshot")
}

// parseGuest reads the keys of every VM: memory (memory_mb, or memory as
// MCP spells it), vCPUs, accelerator, the file in an image, extra qemu
// arguments.
func parseGuest(t table, c *config.Component) {
	c.ImagePath = t.str("image_path", "")
	c.MemoryMB = t.integer("memory_mb", 0, 0, 1<<30) // or memory: see parseNodeKeys
	c.VCPUs = t.integer("vcpus", config.DefaultVCPUs, 1, 1<<16)
	c.Accel = enum(t, "accel", config.DefaultAccel, config.Accels)
	c.QEMUArgs = t.strs("qemu_args")
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseEnv reads env as a table or as a list of "KEY=VALUE" strings.
func parseEnv(t table) []config.EnvVar {
	v, ok := t.get("env")
	if !ok {
		return nil
	}
	var out []config.EnvVar
	const hint = "letters, digits and _, not starting with a digit"
	add := func(path, k, val string) {
		if !envName.MatchString(k) {
			t.d.errAt(path, hint, "invalid variable name %q", k)
			return
		}
		out = append(out, config.EnvVar{Key: k, Value: val})
	}
	switch v.(type) {
	case map[string]any:
		et, _ := t.sub("env")
		for k := range et.m {
			if !envName.MatchString(k) {
				et.get(k)
				t.d.errAtKey(et.key(k), hint, "invalid variable name %q", k)
				continue
			}
			add(et.key(k), k, et.str(k, ""))
		}
		et.done()
	case []any:
		for i, kv := range t.strs("env") {
			k, val, found := strings.Cut(kv, "=")
			if !found {
				t.d.errAt(join(t.key("env"), fmt.Sprint(i)), "", `expected "KEY=VALUE", got %q`, kv)
				continue
			}
			add(join(t.key("env"), fmt.Sprint(i)), k, val)
		}
	default:
		t.d.errAt(t.key("env"), `env = { KEY = "value" } or env = ["KEY=value"]`, "expected a table or an array, got %s", typeName(v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// parseHealth reads [components.health] as written: a key that is not set
// stays zero, for config.ResolveHealth to fill in.
func parseHealth(t table) config.Health {
	var h config.Health
	ht, ok := t.sub("health")
	if !ok {
		return h
	}
	h.Check = enum(ht, "check", "", config.Checks)
	h.Host = ht.str("host", "")
	h.Port = ht.integer("port", 0, 1, 65535)
	h.Path = ht.str("path", config.DefaultHealthPath)
	h.Status = ht.integer("status", 0, 100, 599)
	h.Service = ht.str("service", "")
	h.Command = ht.strs("command")
	h.Interval = ht.duration("interval", config.DefaultInterval)
	h.Timeout = ht.duration("timeout", config.DefaultProbeTimeout)
	h.OnUnhealthy = enum(ht, "on_unhealthy", "", config.Actions)
	h.Threshold = ht.integer("unhealthy_threshold", config.DefaultThreshold, 1, 1000)
	if h.Check == config.CheckExec && len(h.Command) == 0 {
		ht.d.errAt(ht.key("check"), `add command = ["/usr/bin/check", "arg"]`, "an exec check needs a command")
	}
	if len(h.Command) > 0 && !strings.HasPrefix(h.Command[0], "/") {
		ht.d.errAt(ht.key("command")+".0", "", "expected an absolute path, got %q", h.Command[0])
	} else if len(h.Command) > 0 && strings.IndexFunc(h.Command[0], unicode.IsSpace) >= 0 {
		ht.d.errAt(ht.key("command")+".0", `the program, then each argument as its own element: ["/usr/bin/check", "--fast"]`,
			"invalid program %q: it holds blanks", h.Command[0])
	}
	checkProbeTarget(ht, h)
	if h.Interval <= 0 || h.Timeout <= 0 {
		ht.d.errAt(ht.path, "", "interval and timeout must be more than zero")
	}
	ht.done()
	return h
}

// hostName is a DNS name as a probe connects to it.
var hostName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$`)

// checkProbeTarget refuses a health.host or health.path that would make
// the gate's --target unreadable: the gate would refuse its whole command
// line at boot, and its stage would fail.
func checkProbeTarget(ht table, h config.Health) {
	if ip, err := netip.ParseAddr(h.Host); h.Host != "" && !hostName.MatchString(h.Host) && (err != nil || ip.Zone() != "") {
		ht.d.errAt(ht.key("host"), `an IP address or a host name, e.g. "127.0.0.1", "::1" or "db.internal"`, "invalid host %q", h.Host)
	}
	if _, err := url.Parse("http://127.0.0.1" + h.Path); !strings.HasPrefix(h.Path, "/") || err != nil || strings.IndexFunc(h.Path, unicode.IsSpace) >= 0 {
		ht.d.errAt(ht.key("path"), `a request path such as "/healthz"`, "invalid path %q", h.Path)
	}
}

// resolveHealth applies config.ResolveHealth and reports, at their keys,
// what keeps the component from being probed.
func resolveHealth(t table, c *config.Component, stageCheck config.Check) {
	errs := config.ResolveHealth(c, stageCheck)
	// When port specs failed, they were reported already: say nothing more.
	raw, isList := t.m["ports"].([]any)
	_, set := t.m["ports"]
	if set && (!isList || len(raw) != len(c.Ports)) {
		return
	}
	for _, fe := range errs {
		t.d.errAt(t.key(fe.Key), fe.Hint, "%s", fe.Msg)
	}
}

// checkStrings refuses, at their position, strings that no unit file can
// hold (a newline would start a new key or section) and strings longer than
// config.MaxValueLen, which no program takes as an argument; table keys
// too, since env keys become arguments. The key path of a string is spelled
// out only for a string it refuses: this walk sees every value of every
// file.
func checkStrings(d *doc, t table) {
	var path []string // keys and array indexes down to the value
	var walk func(v any)
	into := func(seg string, v any) {
		path = append(path, seg)
		walk(v)
		path = path[:len(path)-1]
	}
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if errors.Is(units.CheckValue(v), units.ErrControl) {
				d.errAt(strings.Join(path, "."), "a value must stay on one line of a unit file", "newline, carriage return or NUL not allowed")
			}
			if len(v) > config.MaxValueLen {
				d.errAt(strings.Join(path, "."), "no program takes a longer argument", "a string of %d bytes is too long: at most %d", len(v), config.MaxValueLen)
			}
		case []any:
			for i, e := range v {
				into(strconv.Itoa(i), e)
			}
		case []map[string]any:
			for i, e := range v {
				into(strconv.Itoa(i), e)
			}
		case map[string]any:
			for k, e := range v {
				if len(k) > config.MaxValueLen { // reported at its table: the key itself is too long to show
					d.errAt(strings.Join(path, "."), "no program takes a longer argument", "a key of %d bytes is too long: at most %d", len(k), config.MaxValueLen)
					continue
				}
				into(k, e)
			}
		}
	}
	walk(t.m)
}
