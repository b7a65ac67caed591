package importer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bootstage/bootstage/config"
)

// Compose imports a compose file: each service a bootstage service of one
// component. depends_on with condition service_healthy becomes stages,
// the levels of the health-dependency graph: a service stands one stage
// after the latest it waits to be healthy, and no earlier than those it
// only waits to be started, so the stack boots health-gated.
func Compose(file string) (*Tree, *Report) {
	r := &Report{}
	src, ok := readYAML(file, r)
	if !ok {
		return nil, r
	}
	c := &composeFile{src: src, r: r, deps: map[string][]dep{}, docs: map[string]*tomlDoc{},
		netNames: map[string]string{}, volNames: map[string]string{}, secretFiles: map[string]bool{}, files: map[string]string{}}
	c.resources(src.root)
	for _, p := range pairs(src.root) {
		switch {
		case p.key == "services":
			c.jobs = jobs(p.v)
			c.services(p.v)
		case p.key == "version" || p.key == "name":
			r.left(src.at(p.k), p.key, "the compose project's %s, not bootstage's concern", p.key)
		case p.key == "networks" || p.key == "volumes" || p.key == "secrets":
			// read by c.resources
		case p.key == "configs":
			for _, e := range pairs(p.v) {
				r.left(src.at(e.k), join(p.key, e.key), "bootstage has no configs: mount the file with volumes")
			}
		case strings.HasPrefix(p.key, "x-"):
			r.left(src.at(p.k), p.key, "a compose extension field")
		default:
			r.left(src.at(p.k), p.key, "not a top-level key of compose files")
		}
	}
	t := newTree()
	for n, f := range c.files {
		t.Files[n] = f
	}
	levels := c.levels()
	for _, name := range c.names {
		t.Files["services/"+name+".toml"] = c.docs[name].String()
	}
	if stages := c.stages(levels); stages != "" {
		t.Files["stages.toml"] = stages
	}
	if len(r.Errors) > 0 {
		return nil, r
	}
	return t, r
}

type composeFile struct {
	src   *yamlSource
	r     *Report
	jobs  map[string]bool  // services others wait to complete
	names []string         // services in file order
	deps  map[string][]dep // service -> what it depends on
	docs  map[string]*tomlDoc

	netNames    map[string]string // top-level network -> its bootstage (and podman) name
	volNames    map[string]string // top-level volume -> its name
	secretFiles map[string]bool   // top-level secrets with a file
	files       map[string]string // networks/, volumes/ and secrets/ files
}

// dep is one depends_on entry.
type dep struct {
	on      string
	healthy bool // service_healthy, or service_completed_successfully: a later stage
	at      Pos
	key     string
}

func (c *composeFile) services(n *yaml.Node) {
	for _, p := range pairs(n) {
		if !config.ValidName(p.key) {
			c.r.fail(c.src.at(p.k), join("services", p.key), config.NameHint, "invalid service name %q", p.key)
			continue
		}
		c.names = append(c.names, p.key)
		c.docs[p.key] = c.service(p.key, p.k, p.v)
	}
}

// service converts one compose service to services/NAME.toml.
func (c *composeFile) service(name string, kn, n *yaml.Node) *tomlDoc {
	src, r := c.src, c.r
	out := "services/" + name + ".toml"
	to := out + ": components[0]"
	path := join("services", name)
	var kvs []kv
	var health []kv
	hasPorts := false
	healthOff := false
	for _, p := range pairs(n) {
		key, at := join(path, p.key), src.at(p.k)
		switch p.key {
		case "image", "user":
			s, _ := scalar(p.v)
			kvs = append(kvs, kv{p.key, s})
			r.mapped(at, key, to+"."+p.key)
		case "command", "entrypoint":
			list, ok := strList(p.v)
			if !ok {
				r.fail(at, key, "", "expected a string or a list of strings")
				continue
			}
			k := map[string]string{"command": "cmd", "entrypoint": "entrypoint"}[p.key]
			kvs = append(kvs, kv{k, list})
			r.mapped(at, key, to+"."+k)
		case "environment":
			if env := c.environment(key, p.v); len(env) > 0 {
				kvs = append(kvs, kv{"env", env})
				r.mapped(at, key, to+".env")
			}
		case "ports":
			if ports, probe := c.ports(key, p.v); len(ports) > 0 {
				kvs = append(kvs, kv{"ports", ports})
				hasPorts = probe
				r.mapped(at, key, to+".ports")
			}
		case "volumes":
			if vols := c.volumes(key, p.v); len(vols) > 0 {
				kvs = append(kvs, kv{"volumes", vols})
				r.mapped(at, key, to+".volumes")
			}
		case "networks":
			if net := c.serviceNetwork(key, p.v); net != "" {
				kvs = append(kvs, kv{"network", net})
				r.mapped(at, key, to+".network")
			}
		case "network_mode":
			s, _ := scalar(p.v)
			kvs = append(kvs, kv{"network", s})
			r.mapped(at, key, to+".network")
		case "init":
			if b, _ := scalar(p.v); b == "true" {
				kvs = append(kvs, kv{"init", true})
			}
			r.mapped(at, key, to+".init")
		case "restart":
			c.restart(key, at, p.v, &kvs, to)
		case "healthcheck":
			var args []string
			args, health, healthOff = c.healthcheck(key, p.v, to)
			if len(args) > 0 {
				kvs = append(kvs, kv{"podman_args", args})
			}
		case "depends_on":
			c.dependsOn(name, key, p.v)
		case "container_name", "hostname":
			r.left(at, key, "the container is named after its unit, %s", name)
		case "build":
			r.left(at, key, "building images is not bootstage's concern: build it, and name it in image")
		case "env_file":
			if files := c.envFiles(key, p.v); len(files) > 0 {
				kvs = append(kvs, kv{"env_file", files})
				r.mapped(at, key, to+".env_file")
			}
		case "secrets":
			if refs := c.secrets(key, p.v, to); len(refs) > 0 {
				kvs = append(kvs, kv{"secrets", refs})
			}
		case "deploy":
			c.deploy(key, p.v, &kvs, to)
		case "mem_limit":
			limit(&kvs, "memory", p.v.Value, at, key, to, r)
		case "cpus", "pids_limit":
			limit(&kvs, p.key, p.v.Value, at, key, to, r)
		case "labels", "logging", "cap_add", "cap_drop", "devices", "extra_hosts", "dns", "working_dir", "stop_grace_period", "stop_signal", "tmpfs", "ulimits", "privileged", "read_only", "profiles", "expose", "configs", "security_opt", "sysctls", "platform", "pull_policy", "shm_size", "tty", "stdin_open":
			c.notYet(path, p)
		default:
			r.left(at, key, "not a key of compose services")
		}
	}
	var d tomlDoc
	d.comment("Imported from %s (service %s) by bootstage import compose.", filepath.Base(src.file), name)
	d.table("components", true)
	image := writeKeys(&d, kvs, []string{"image", "cmd", "entrypoint", "env", "env_file", "ports", "volumes", "network", "user", "init",
		"restart", "memory", "cpus", "pids_limit", "secrets", "podman_args"})
	if !image {
		r.fail(src.at(kn), path, "add image:, as bootstage runs images and does not build them", "a service needs an image")
	}
	switch {
	case c.jobs[name] && !healthOff:
		health = []kv{{"check", string(config.CheckNone)}}
		r.mapped(src.at(kn), path, to+`.health.check = "none" (others wait for it to complete: a gate waits for health, not for an exit)`)
	case !healthOff && !hasPorts:
		health = append([]kv{{"check", string(config.CheckSystemd)}}, health...)
		r.mapped(src.at(kn), path, to+`.health.check = "systemd" (no fixed TCP port to probe: healthy while it runs)`)
	}
	if health != nil {
		d.table("components.health", false)
		for _, e := range health {
			d.kv(e.key, e.val)
		}
	}
	return &d
}

// notYet reports a key the model has no place for.
func (c *composeFile) notYet(path string, p pair) {
	key := join(path, p.key)
	c.r.left(c.src.at(p.k), key, "no bootstage equivalent; podman_args can pass it on")
}

func (c *composeFile) environment(key string, n *yaml.Node) map[string]string {
	env := map[string]string{}
	if ps := pairs(n); len(ps) > 0 {
		for _, p := range ps {
			if p.v.Tag == "!!null" {
				c.r.left(c.src.at(p.k), join(key, p.key), "its value comes from the shell running compose; set it in env")
				continue
			}
			env[p.key] = p.v.Value
		}
		return env
	}
	for i, e := range items(n) {
		s, _ := scalar(e)
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			c.r.left(c.src.at(e), yamlIndex(key, i), "its value comes from the shell running compose; set it in env")
			continue
		}
		env[k] = v
	}
	return env
}

// ports reads ports:, and says whether the first has a fixed TCP host
// port for the gate to probe.
func (c *composeFile) ports(key string, n *yaml.Node) ([]string, bool) {
	var out []string
	probe := false
	for i, e := range items(n) {
		spec, ok := scalar(e)
		if !ok { // long syntax
			var target, published, hostIP, proto string
			for _, p := range pairs(e) {
				switch p.key {
				case "target":
					target = p.v.Value
				case "published":
					published = p.v.Value
				case "host_ip":
					hostIP = p.v.Value
				case "protocol":
					proto = p.v.Value
				default:
					c.r.left(c.src.at(p.k), join(yamlIndex(key, i), p.key), "no bootstage equivalent")
				}
			}
			spec = target
			if published != "" {
				spec = published + ":" + spec
			}
			if hostIP != "" {
				spec = hostIP + ":" + spec
			}
			if proto != "" {
				spec += "/" + proto
			}
		}
		p, err := config.ParsePort(spec)
		if err != nil {
			c.r.fail(c.src.at(e), yamlIndex(key, i), "", "%v", err)
			continue
		}
		if len(out) == 0 {
			probe = p.HostPort != 0 && p.Proto == "tcp"
		}
		out = append(out, p.String())
	}
	return out, probe
}

func (c *composeFile) volumes(key string, n *yaml.Node) []string {
	var out []string
	for i, e := range items(n) {
		spec, ok := scalar(e)
		if !ok { // long syntax
			var source, target, ro string
			for _, p := range pairs(e) {
				switch p.key {
				case "type":
					if p.v.Value != "bind" && p.v.Value != "volume" {
						c.r.fail(c.src.at(p.v), join(yamlIndex(key, i), p.key), "", "volume type %q has no bootstage equivalent", p.v.Value)
					}
				case "source":
					source = p.v.Value
				case "target":
					target = p.v.Value
				case "read_only":
					if p.v.Value == "true" {
						ro = ":ro"
					}
				default:
					c.r.left(c.src.at(p.k), join(yamlIndex(key, i), p.key), "no bootstage equivalent")
				}
			}
			spec = source + ":" + target + ro
		}
		if strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || spec == "." || strings.HasPrefix(spec, "~") {
			host, rest, _ := strings.Cut(spec, ":")
			abs := c.abs(host)
			c.r.mapped(c.src.at(e), yamlIndex(key, i), fmt.Sprintf("the relative source %s is %s", host, abs))
			spec = abs + ":" + rest
		}
		if !strings.Contains(spec, ":") {
			c.r.left(c.src.at(e), yamlIndex(key, i), "an anonymous volume has no bootstage equivalent")
			continue
		}
		v, err := config.ParseVolume(spec)
		if err != nil {
			c.r.fail(c.src.at(e), yamlIndex(key, i), "", "%v", err)
			continue
		}
		if name := config.VolumeName(v); name != "" {
			if n, ok := c.volNames[name]; ok {
				v.Host = n
				what := "the volume " + n
				if c.files["volumes/"+n+".toml"] != "" {
					what += ", volumes/" + n + ".toml"
				}
				c.r.mapped(c.src.at(e), yamlIndex(key, i), what)
			}
		}
		out = append(out, v.String())
	}
	return out
}

// serviceNetwork is the first network of a service, by its bootstage
// name; the others are reported, as a component joins one network.
func (c *composeFile) serviceNetwork(key string, n *yaml.Node) string {
	var names []*yaml.Node
	if ps := pairs(n); len(ps) > 0 {
		for _, p := range ps {
			names = append(names, p.k)
			for _, x := range pairs(p.v) {
				c.r.left(c.src.at(x.k), join(join(key, p.key), x.key), "no bootstage equivalent")
			}
		}
	} else {
		names = items(n)
	}
	net := ""
	for i, e := range names {
		if i == 0 {
			net = e.Value
			continue
		}
		c.r.left(c.src.at(e), join(key, e.Value), "a component joins one network in this bootstage; it joins %s", net)
	}
	if net == "default" {
		c.r.left(c.src.at(names[0]), join(key, net), "compose's default network: podman's default network")
		return ""
	}
	if n, ok := c.netNames[net]; ok {
		return n
	}
	return net
}

func (c *composeFile) restart(key string, at Pos, n *yaml.Node, kvs *[]kv, to string) {
	s, _ := scalar(n)
	policy, _, counted := strings.Cut(s, ":")
	if !slices.Contains(config.Restarts, config.Restart(policy)) {
		c.r.fail(at, key, "expected no, always, on-failure or unless-stopped", "unknown restart policy %q", s)
		return
	}
	*kvs = append(*kvs, kv{"restart", policy})
	if counted {
		c.r.left(at, key, "the retry count of %q: systemd restarts without a count", s)
	}
	c.r.mapped(at, key, to+".restart")
}

// healthcheck becomes podman's own healthcheck (--health-cmd and its
// options, in podman_args): the test runs inside the container, as under
// compose, and `podman ps` shows its verdict. The gate itself cannot run
// commands in containers from its sandbox; it probes the first published
// port (tcp), or takes the running unit as healthy (systemd) when there is
// none. retries is also the gate's unhealthy_threshold, and interval and
// timeout its own once the stage is open. It returns podman_args, the
// health table, and whether the check was turned off.
func (c *composeFile) healthcheck(key string, n *yaml.Node, to string) (args []string, h []kv, off bool) {
	for _, p := range pairs(n) {
		k, at := join(key, p.key), c.src.at(p.k)
		switch p.key {
		case "test":
			cmd, ok := c.test(p.v)
			if !ok {
				c.r.fail(at, k, `test: ["CMD", "prog", "arg"] or ["CMD-SHELL", "command"]`, "unreadable healthcheck test")
				continue
			}
			if cmd == "" {
				off = true
				c.r.mapped(at, k, to+`.health.check = "none"`)
				continue
			}
			args = append(args, "--health-cmd="+cmd)
			c.r.mapped(at, k, to+".podman_args --health-cmd (podman runs it in the container)")
		case "interval", "timeout", "start_period":
			d, ok := composeDuration(p.v.Value)
			if !ok {
				c.r.fail(at, k, `a duration such as "10s" or "1m30s"`, "invalid duration %q", p.v.Value)
				continue
			}
			flag := "--health-" + strings.ReplaceAll(p.key, "_", "-")
			args = append(args, flag+"="+config.FormatDuration(d))
			if p.key == "start_period" {
				c.r.mapped(at, k, to+".podman_args "+flag)
				continue
			}
			h = append(h, kv{p.key, config.FormatDuration(d)})
			c.r.mapped(at, k, to+".podman_args "+flag+", and .health."+p.key)
		case "retries":
			n, err := strconv.Atoi(p.v.Value)
			if err != nil || n < 1 {
				c.r.fail(at, k, "", "expected a positive integer, got %q", p.v.Value)
				continue
			}
			args = append(args, "--health-retries="+p.v.Value)
			h = append(h, kv{"unhealthy_threshold", n})
			c.r.mapped(at, k, to+".podman_args --health-retries, and .health.unhealthy_threshold")
		case "start_interval":
			c.r.left(at, k, "podman 4 has no start interval")
		case "disable":
			if p.v.Value == "true" {
				off = true
				c.r.mapped(at, k, to+`.health.check = "none"`)
				continue
			}
			c.r.mapped(at, k, "nothing: false is the default")
		default:
			c.r.left(at, k, "not a key of compose healthchecks")
		}
	}
	if off {
		return nil, []kv{{"check", string(config.CheckNone)}}, true
	}
	return args, h, false
}

// test reads a healthcheck test as podman's --health-cmd: a JSON array
// for CMD, a shell command line for CMD-SHELL or a string; "" for NONE.
func (c *composeFile) test(n *yaml.Node) (string, bool) {
	if s, ok := scalar(n); ok {
		return s, s != ""
	}
	list, ok := strList(n)
	if !ok || len(list) < 1 {
		return "", false
	}
	switch list[0] {
	case "NONE":
		return "", true
	case "CMD":
		b, _ := json.Marshal(list[1:])
		return string(b), len(list) > 1
	case "CMD-SHELL":
		return strings.Join(list[1:], " "), len(list) > 1
	}
	return "", false
}

// composeDuration reads compose's durations: Go's, plus "1m30s"-style
// which Go reads too; a bare number is seconds.
func composeDuration(s string) (time.Duration, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

func (c *composeFile) dependsOn(name, key string, n *yaml.Node) {
	add := func(on, cond string, at Pos, k string) {
		switch cond {
		case "service_healthy":
			c.deps[name] = append(c.deps[name], dep{on: on, healthy: true, at: at, key: k})
			c.r.mapped(at, k, fmt.Sprintf("a stage after %s's: it starts once %s is healthy", on, on))
		case "service_completed_successfully":
			c.deps[name] = append(c.deps[name], dep{on: on, healthy: true, at: at, key: k})
			c.r.mapped(at, k, fmt.Sprintf("a stage after %s's: it starts after %s started, not after it exited", on, on))
		case "service_started", "":
			c.deps[name] = append(c.deps[name], dep{on: on, at: at, key: k})
			c.r.mapped(at, k, fmt.Sprintf("ordering: no stage before %s's (a stage's components start together)", on))
		default:
			c.r.fail(at, k, "service_started, service_healthy or service_completed_successfully", "unknown condition %q", cond)
		}
	}
	if ps := pairs(n); len(ps) > 0 {
		for _, p := range ps {
			cond := ""
			for _, x := range pairs(p.v) {
				switch x.key {
				case "condition":
					cond = x.v.Value
				default:
					c.r.left(c.src.at(x.k), join(join(key, p.key), x.key), "no bootstage equivalent")
				}
			}
			add(p.key, cond, c.src.at(p.k), join(key, p.key))
		}
		return
	}
	for i, e := range items(n) {
		add(e.Value, "", c.src.at(e), yamlIndex(key, i))
	}
}

// jobs are the services some other waits for with condition
// service_completed_successfully.
func jobs(services *yaml.Node) map[string]bool {
	out := map[string]bool{}
	for _, svc := range pairs(services) {
		for _, p := range pairs(svc.v) {
			if p.key != "depends_on" {
				continue
			}
			for _, d := range pairs(p.v) {
				for _, x := range pairs(d.v) {
					if x.key == "condition" && x.v.Value == "service_completed_successfully" {
						out[d.key] = true
					}
				}
			}
		}
	}
	return out
}

// levels places each service: one more than the deepest service it waits
// to be healthy, and at least that of those it waits to be started. A
// cycle is an error at the dependency that closes it.
func (c *composeFile) levels() map[string]int {
	level := map[string]int{}
	state := map[string]int{} // 1: being placed, 2: placed
	var place func(s string) int
	place = func(s string) int {
		if state[s] == 2 {
			return level[s]
		}
		state[s] = 1
		l := 0
		for _, d := range c.deps[s] {
			if c.docs[d.on] == nil {
				c.r.fail(d.at, d.key, "", "depends on %q, which is not a service of this file", d.on)
				continue
			}
			if state[d.on] == 1 {
				c.r.fail(d.at, d.key, "", "dependency cycle through %q", d.on)
				continue
			}
			dl := place(d.on)
			if d.healthy {
				dl++
			}
			l = max(l, dl)
		}
		state[s], level[s] = 2, l
		return l
	}
	for _, s := range c.names {
		place(s)
	}
	return level
}

// stages writes stages.toml when the health dependencies make more than
// one level: a stage's gate fails at its timeout, so the stages after it
// do not start, as compose does not start a service whose dependency
// never turned healthy.
func (c *composeFile) stages(level map[string]int) string {
	n := 0
	for _, l := range level {
		n = max(n, l+1)
	}
	if n < 2 {
		return ""
	}
	var d tomlDoc
	d.comment("Imported from %s by bootstage import compose: the levels of its health dependencies.", filepath.Base(c.src.file))
	for i := 0; i < n; i++ {
		var members []string
		for _, s := range c.names {
			if level[s] == i {
				members = append(members, s)
			}
		}
		sort.Strings(members)
		d.table("stage", true)
		d.kv("name", fmt.Sprintf("level-%d", i))
		d.kv("services", members)
		if i < n-1 {
			d.kv("on_timeout", string(config.Fail))
		}
	}
	return d.String()
}
