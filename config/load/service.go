package load

import (
	"github.com/bootstage/bootstage/config"

	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/units"
)

// ParseService reads one services/NAME.toml against the stages it may
// name. It returns the service when the file is valid; otherwise a nil
// service and every problem found.
func ParseService(file, src string, stages *Stages, checks ...config.RuntimeCheck) (*config.Service, config.Problems) {
	d, t, err := parse(file, src)
	if err != nil {
		return nil, d.problems
	}
	stem := strings.TrimSuffix(filepath.Base(file), ".toml")
	s := &config.Service{Source: file, Name: stem}
	if n := t.str("name", stem); n != stem {
		d.errAt("name", fmt.Sprintf("rename the file to %s.toml, or drop the key", n),
			"name %q does not match the file name %q", n, stem)
	}
	s.Stage = stages.resolve(t, stem)
	s.Nodes = t.strs("nodes")
	comps := t.tables("components")
	if len(comps) == 0 && !t.has("components") {
		d.errAt("", "add a [[components]] table", "a service needs at least one component")
	}
	for _, ct := range comps {
		c := parseComponent(ct)
		resolveHealth(ct, c, stages.check(s.Stage))
		for _, check := range checks {
			for _, fe := range check(c) {
				ct.d.errAtKey(ct.key(fe.Key), fe.Hint, "%s", fe.Msg)
			}
		}
		s.Components = append(s.Components, c)
	}
	t.done()
	checkComponentNames(d, s, comps)
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

func parseComponent(t table) *config.Component {
	c := &config.Component{Name: t.str("name", "")}
	rt := enum(t, "runtime", string(config.DefaultRuntime), config.RuntimeWords)
	c.Runtime = config.Runtime(rt)
	if rt == config.Unikernel {
		c.Runtime, c.Nanos = config.QEMU, true
	}
	c.Image = t.str("image", "")
	c.Cmd = t.strs("cmd")
	c.Env = parseEnv(t)
	c.Ports = parsePorts(t)
	c.Volumes = parseVolumes(t)
	c.Restart = enum(t, "restart", config.DefaultRestart, config.Restarts)
	c.StartTimeout = t.duration("start_timeout", 0)
	c.StopTimeout = t.duration("stop_timeout", 0)
	if c.Runtime == config.Podman {
		parsePodman(t, c)
	} else {
		parseQEMU(t, c)
	}
	c.Health = parseHealth(t)
	t.done()
	return c
}

// onlyFor reports keys set on a component of the other runtime.
func onlyFor(t table, runtime string, keys ...string) {
	for _, k := range keys {
		if t.has(k) {
			t.d.errAtKey(t.key(k), "", "%s is only for runtime = %q", k, runtime)
		}
	}
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
	onlyFor(t, "qemu", "kernel", "initrd", "append", "disk", "snapshot", "image_path",
		"memory_mb", "vcpus", "accel", "qemu_args")
}

func parseQEMU(t table, c *config.Component) {
	c.Kernel = t.str("kernel", "")
	c.Initrd = t.str("initrd", "")
	c.Append = t.str("append", "")
	c.Disk = t.str("disk", "")
	c.Snapshot = t.boolean("snapshot")
	c.ImagePath = t.str("image_path", "")
	c.MemoryMB = t.integer("memory_mb", 0, 0, 1<<30)
	c.VCPUs = t.integer("vcpus", config.DefaultVCPUs, 1, 1<<16)
	c.Accel = enum(t, "accel", config.DefaultAccel, config.Accels)
	c.QEMUArgs = t.strs("qemu_args")
	// What a VM needs to boot (one boot source, memory, ...) is the QEMU
	// runtime's to say: see runtimes/qemu Validate, run through a Check.
	onlyFor(t, "podman", "cmd", "entrypoint", "env", "network", "user", "podman_args", "init")
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
	}
	if h.Interval <= 0 || h.Timeout <= 0 {
		ht.d.errAt(ht.path, "", "interval and timeout must be more than zero")
	}
	ht.done()
	return h
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
// hold: a newline would start a new key or section. The key path of a
// string is spelled out only for a string it refuses: this walk sees every
// value of every file.
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
				into(k, e)
			}
		}
	}
	walk(t.m)
}
