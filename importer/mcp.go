package importer

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bootstage/bootstage/config"
)

// MCPOptions are the choices `bootstage import mcp` leaves to the operator.
type MCPOptions struct {
	// AgentConfig is the agent's config file, whose [[boot.sequence]]
	// becomes stages.toml; "" for none (one stage, "default").
	AgentConfig string
	// Registry names the registry of images MCP derives: a component that
	// names no image runs REGISTRY/IMAGE:VERSION, IMAGE from [build.images]
	// and VERSION from version, as MCP's agent does.
	Registry string
	// ImagePath is the ELF's path inside a unikernel's OCI image, which
	// MCP's definitions leave to the image.
	ImagePath string
}

// MCP imports MCP service definitions (files, or directories of *.toml)
// and the agent's config. The tree is nil when the report has errors.
func MCP(sources []string, opt MCPOptions) (*Tree, *Report) {
	r := &Report{}
	t := newTree()
	placed := map[string]string{} // service -> stage, from the boot sequence
	last := ""
	if opt.AgentConfig != "" {
		if src, ok := readTOML(opt.AgentConfig, r); ok {
			doc, stages := agentStages(src, r, placed)
			if stages > 0 {
				t.Files["stages.toml"] = doc
				last = lastStage(src)
			}
		}
	}
	seen := map[string]string{}
	for _, file := range tomlFiles(sources, r) {
		src, ok := readTOML(file, r)
		if !ok {
			continue
		}
		m := &mcpService{src: src, r: r, opt: opt, placed: placed, last: last}
		name, doc := m.convert()
		if name == "" {
			continue
		}
		out := "services/" + name + ".toml"
		if prev := seen[name]; prev != "" {
			r.fail(src.at("name"), "name", "", "service %q is already defined in %s", name, prev)
			continue
		}
		seen[name] = file
		t.Files[out] = doc
	}
	for svc, st := range placed {
		if seen[svc] == "" {
			r.fail(Pos{File: opt.AgentConfig}, "boot.sequence", "", "stage %q lists service %q, which no source defines", st, svc)
		}
	}
	if len(r.Errors) > 0 {
		return nil, r
	}
	return t, r
}

// agentStages turns [[boot.sequence]] into stages.toml: the first stage
// blocks (the agent retried it for ever), later ones proceed. It fills
// placed with each listed service's stage.
func agentStages(src *tomlSource, r *Report, placed map[string]string) (string, int) {
	var d tomlDoc
	d.comment("Imported from %s (the agent's [[boot.sequence]]) by bootstage import mcp.", filepath.Base(src.file))
	n := 0
	for _, k := range sortedKeys(src.m) {
		if k != "boot" {
			r.left(src.at(k), k, "an agent setting, not bootstage's concern")
			continue
		}
		boot, ok := src.m[k].(map[string]any)
		if !ok {
			r.fail(src.at(k), k, "", "expected a table")
			continue
		}
		for _, bk := range sortedKeys(boot) {
			if bk != "sequence" {
				r.left(src.at(join(k, bk)), join(k, bk), "an agent setting, not bootstage's concern")
				continue
			}
			seq, ok := asTables(boot[bk])
			if !ok {
				r.fail(src.at("boot.sequence"), "boot.sequence", "write it as [[boot.sequence]]", "expected an array of tables")
				continue
			}
			for i, st := range seq {
				stageOf(&d, src, r, index("boot.sequence", i), i, st, placed)
				n++
			}
		}
	}
	return d.String(), n
}

func stageOf(d *tomlDoc, src *tomlSource, r *Report, path string, i int, st map[string]any, placed map[string]string) {
	d.table("stage", true)
	name, _ := st["name"].(string)
	if name == "" || !config.ValidName(name) {
		r.fail(src.at(path), path, config.NameHint, "a stage needs a valid name, got %q", name)
	}
	to := fmt.Sprintf("stages.toml: stage[%d]", i)
	d.kv("name", name)
	r.mapped(src.at(join(path, "name")), join(path, "name"), to+".name")
	policy := config.Proceed
	if i == 0 {
		policy = config.Block
	}
	for _, k := range sortedKeys(st) {
		key := join(path, k)
		switch v := st[k]; k {
		case "name":
		case "services":
			list, ok := asStrings(v)
			if !ok {
				r.fail(src.at(key), key, "", "expected an array of service names")
				continue
			}
			for _, s := range list {
				if prev := placed[s]; prev != "" {
					r.fail(src.at(key), key, "", "service %q is already in stage %q", s, prev)
				}
				placed[s] = name
			}
			d.kv("services", list)
			r.mapped(src.at(key), key, to+".services")
		case "timeout":
			dur, ok := duration(v)
			if !ok {
				r.fail(src.at(key), key, `a duration such as "90s"`, "invalid timeout %v", v)
				continue
			}
			d.kv("timeout", config.FormatDuration(dur))
			r.mapped(src.at(key), key, to+".timeout")
		case "health":
			c, _ := v.(string)
			if check := config.Check(c); check == "" || !slices.Contains(config.Checks, check) {
				r.fail(src.at(key), key, "expected tcp or grpc", "unknown health check %v", v)
				continue
			}
			d.kv("health", c)
			r.mapped(src.at(key), key, to+".health")
		default:
			r.left(src.at(key), key, "not part of MCP's boot sequence")
		}
	}
	d.kv("on_timeout", string(policy))
	if i == 0 {
		d.comment("the agent retried its first stage for ever; the stages after it proceed")
	}
}

// lastStage is the name of the boot sequence's last stage, where services
// it does not list go.
func lastStage(src *tomlSource) string {
	boot, _ := src.m["boot"].(map[string]any)
	seq, _ := asTables(boot["sequence"])
	if len(seq) == 0 {
		return ""
	}
	name, _ := seq[len(seq)-1]["name"].(string)
	return name
}

// duration reads "90s", "2m" or a number of seconds.
func duration(v any) (time.Duration, bool) {
	switch v := v.(type) {
	case string:
		d, err := time.ParseDuration(v)
		return d, err == nil && d >= 0
	case int64:
		return time.Duration(v) * time.Second, v >= 0
	}
	return 0, false
}

// mcpService converts one MCP service definition.
type mcpService struct {
	src    *tomlSource
	r      *Report
	opt    MCPOptions
	placed map[string]string
	last   string

	name    string
	out     string // services/NAME.toml, for the report
	runtime string // the service-level runtime: "" | "container" | "unikernel"
	version string
	images  map[string]string // [build.images]: image name -> Dockerfile
}

// convert returns the service's name and its bootstage file.
func (m *mcpService) convert() (string, string) {
	src, r := m.src, m.r
	stem := strings.TrimSuffix(filepath.Base(src.file), ".toml")
	m.name = stem
	if n, ok := src.m["name"].(string); ok {
		m.name = n
	}
	if !config.ValidName(m.name) {
		r.fail(src.at("name"), "name", config.NameHint, "invalid service name %q", m.name)
		return "", ""
	}
	m.out = "services/" + m.name + ".toml"
	m.version, _ = src.m["version"].(string)
	m.runtime, _ = src.m["runtime"].(string)
	m.images = map[string]string{}
	if b, ok := src.m["build"].(map[string]any); ok {
		if im, ok := b["images"].(map[string]any); ok {
			for k, v := range im {
				s, _ := v.(string)
				m.images[k] = s
			}
		}
	}
	var d tomlDoc
	d.comment("Imported from %s by bootstage import mcp.", filepath.Base(src.file))
	var comps []map[string]any
	for _, k := range sortedKeys(src.m) {
		v := src.m[k]
		at := src.at(k)
		switch k {
		case "name":
			r.mapped(at, k, m.out+" (the file's name)")
		case "node":
			n, _ := v.(string)
			d.kv("nodes", []string{n})
			r.mapped(at, k, m.out+": nodes")
		case "nodes":
			if list, ok := asStrings(v); ok {
				d.kv("nodes", list)
				r.mapped(at, k, m.out+": nodes")
			}
		case "active":
			if b, ok := v.(bool); ok && !b {
				d.kv("active", false)
				r.mapped(at, k, m.out+": active (nothing is generated for it)")
			} else {
				r.mapped(at, k, m.out+": active by default")
			}
		case "tier":
			r.left(at, k, "MCP's placement tier (%v) is not bootstage's concern: nodes = says where a service runs", v)
		case "version":
			r.left(at, k, "not bootstage's concern; it tags the images derived with --registry")
		case "path":
			r.left(at, k, "MCP's source checkout, not bootstage's concern")
		case "build":
			m.reportBuild(v)
		case "snapshot":
			r.left(at, k, "backups, not boot: not bootstage's concern")
			if t, ok := v.(map[string]any); ok {
				for _, sk := range sortedKeys(t) {
					r.left(src.at(join(k, sk)), join(k, sk), "part of [snapshot]")
				}
			}
		case "runtime":
			switch m.runtime {
			case "container":
				r.mapped(at, k, m.out+": each component's runtime, podman (the default)")
			case config.Unikernel:
				r.mapped(at, k, m.out+`: runtime = "unikernel" on each component`)
			default:
				r.fail(at, k, `expected "container" or "unikernel"`, "unknown runtime %v", v)
			}
		case "components":
			list, ok := asTables(v)
			if !ok {
				r.fail(at, k, "write it as [[components]]", "expected an array of tables")
				continue
			}
			comps = list
		default:
			r.left(at, k, "not a key of MCP's service definitions")
		}
	}
	if _, ok := src.m["active"].(bool); !ok && src.m["active"] != nil {
		r.fail(src.at("active"), "active", "", "expected true or false")
	}
	if st := m.placed[m.name]; st == "" && m.last != "" {
		d.kv("stage", m.last)
		r.mapped(Pos{File: src.file}, "", fmt.Sprintf("%s: stage = %q (the boot sequence lists it nowhere: its last stage)", m.out, m.last))
	}
	if len(comps) == 0 {
		r.fail(Pos{File: src.file}, "", "add a [[components]] table", "a service needs at least one component")
	}
	for i, c := range comps {
		m.component(&d, index("components", i), i, c)
	}
	return m.name, d.String()
}

func (m *mcpService) reportBuild(v any) {
	src, r := m.src, m.r
	t, _ := v.(map[string]any)
	at := src.at("build")
	if at.Line == 1 && len(t) > 0 { // only [build.images]: no line of its own
		at = src.at(join("build", sortedKeys(t)[0]))
	}
	r.left(at, "build", "how MCP builds images, not bootstage's concern")
	for _, k := range sortedKeys(t) {
		key := join("build", k)
		if k != "images" {
			r.left(src.at(key), key, "part of [build]")
			continue
		}
		im, _ := t[k].(map[string]any)
		for _, ik := range sortedKeys(im) {
			r.left(src.at(join(key, ik)), join(key, ik), "a Dockerfile; the image name %q is what --registry derives images from", ik)
		}
	}
}

// component converts one [[components]] table.
func (m *mcpService) component(d *tomlDoc, path string, i int, c map[string]any) {
	src, r := m.src, m.r
	to := fmt.Sprintf("%s: components[%d]", m.out, i)
	unikernel := m.runtime == config.Unikernel
	if rt, ok := c["runtime"].(string); ok {
		unikernel = rt == config.Unikernel
	}
	d.table("components", true)
	var kvs []kv
	var routes []map[string]any
	name, _ := c["name"].(string)
	for _, k := range sortedKeys(c) {
		key, at, v := join(path, k), src.at(join(path, k)), c[k]
		switch k {
		case "name", "image", "network", "user", "restart", "ports", "volumes", "cmd", "env", "vcpus":
			if unikernel && (k == "network" || k == "user" || k == "cmd" || k == "env") {
				r.left(at, key, "a unikernel takes no %s in this bootstage yet", k)
				continue
			}
			if s, ok := asStrings(v); ok {
				v = s
			}
			kvs = append(kvs, kv{k, v})
			r.mapped(at, key, to+"."+k)
		case "runtime":
			s, _ := v.(string)
			if s == "container" {
				r.mapped(at, key, to+".runtime (podman, the default)")
				continue
			}
			r.mapped(at, key, to+".runtime")
		case "memory":
			if !unikernel {
				mb, ok := v.(int64)
				if !ok || mb <= 0 {
					r.fail(at, key, "a number of megabytes, as MCP's memory is", "invalid memory %v", v)
					continue
				}
				kvs = append(kvs, kv{"memory", fmt.Sprintf("%dM", mb)})
				r.mapped(at, key, to+".memory (MCP's megabytes)")
				continue
			}
			kvs = append(kvs, kv{"memory_mb", v})
			r.mapped(at, key, to+".memory_mb")
		case "routes":
			list, ok := asTables(v)
			if !ok {
				r.fail(at, key, "write it as [[components.routes]]", "expected an array of tables")
				continue
			}
			routes = list
		default:
			r.left(at, key, "not a key of MCP's components")
		}
	}
	if name != "" {
		d.kv("name", name)
	}
	if unikernel {
		d.kv("runtime", config.Unikernel)
	}
	if _, ok := c["image"]; !ok {
		if img, ok := m.deriveImage(path, name); ok {
			d.kv("image", img)
			r.mapped(src.at(path), path, fmt.Sprintf("%s.image = %q (derived: --registry, [build.images], version)", to, img))
		}
	}
	for _, k := range componentOrder {
		for _, e := range kvs {
			if e.key == k {
				d.kv(e.key, e.val)
			}
		}
	}
	if unikernel {
		if m.opt.ImagePath == "" {
			r.fail(src.at(path), path, "pass --image-path, the ELF's path inside the image", "a unikernel needs the path of its ELF inside the image")
		} else {
			d.kv("image_path", m.opt.ImagePath)
			r.mapped(src.at(path), path, fmt.Sprintf("%s.image_path = %q (--image-path)", to, m.opt.ImagePath))
		}
		if _, ok := c["memory"]; !ok {
			r.fail(src.at(path), path, "add memory = MB", "a unikernel needs memory")
		}
	}
	if _, ok := c["ports"]; !ok && len(routes) == 0 && !unikernel {
		// nothing to poll: the agent counted it healthy while it ran
		d.table("components.health", false)
		d.kv("check", string(config.CheckSystemd))
		r.mapped(src.at(path), path, to+`.health.check = "systemd" (no port to probe: healthy while it runs)`)
	}
	for j, rt := range routes {
		m.route(d, join(path, "routes"), j, rt, to)
	}
}

// deriveImage is REGISTRY/IMAGE:VERSION for a component that names no
// image: IMAGE is the [build.images] entry named like the component, else
// the service's only one.
func (m *mcpService) deriveImage(path, comp string) (string, bool) {
	src, r := m.src, m.r
	image := ""
	switch {
	case m.images[comp] != "" || comp != "" && hasKey(m.images, comp):
		image = comp
	case len(m.images) == 1:
		for k := range m.images {
			image = k
		}
	}
	switch {
	case image == "":
		r.fail(src.at(path), path, "add image = \"...\", or an entry of [build.images] named like the component", "a component names no image and [build.images] does not say which")
	case m.opt.Registry == "":
		r.fail(src.at(path), path, "pass --registry REGISTRY", "a component names no image: MCP derives REGISTRY/%s:VERSION", image)
	case m.version == "":
		r.fail(src.at(path), path, `add version = "v1.0.0"`, "a component names no image and the service has no version to tag it with")
	default:
		return strings.TrimSuffix(m.opt.Registry, "/") + "/" + image + ":" + m.version, true
	}
	return "", false
}

// componentOrder is the order a component's keys are written in, as in
// DESIGN §2's example.
var componentOrder = []string{"image", "cmd", "env", "ports", "volumes", "network", "user", "restart", "memory", "memory_mb", "vcpus"}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// route carries one [[components.routes]] table over: bootstage reads
// MCP's route keys natively (DESIGN §2.4).
func (m *mcpService) route(d *tomlDoc, path string, j int, rt map[string]any, to string) {
	src, r := m.src, m.r
	d.table("components.routes", true)
	rto := fmt.Sprintf("%s.routes[%d]", to, j)
	for _, k := range []string{"name", "host_port", "port", "mode", "hostname", "public"} {
		if v, ok := rt[k]; ok {
			d.kv(k, v)
			r.mapped(src.at(join(path, fmt.Sprintf("%d.%s", j, k))), fmt.Sprintf("%s.%d.%s", path, j, k), rto+"."+k)
		}
	}
	for _, k := range sortedKeys(rt) {
		if !slices.Contains([]string{"name", "host_port", "port", "mode", "hostname", "public"}, k) {
			key := fmt.Sprintf("%s.%d.%s", path, j, k)
			r.left(src.at(key), key, "not a key of MCP's routes")
		}
	}
}
