package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"

	"github.com/bootstage/bootstage/config"
)

// quadletOption is one key of a Quadlet file, with its line.
type quadletOption struct {
	*unit.UnitOption
	at Pos
}

// readQuadlet reads a unit-syntax file with go-systemd's deserializer and
// finds each option's line: the deserializer keeps none, so the lines are
// matched in order, key by key.
func readQuadlet(file string, r *Report) ([]quadletOption, bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		r.fail(Pos{File: file}, "", "", "%v", err)
		return nil, false
	}
	opts, err := unit.DeserializeOptions(bytes.NewReader(src))
	if err != nil {
		r.fail(Pos{File: file}, "", "", "%v", err)
		return nil, false
	}
	lines := strings.Split(string(src), "\n")
	next := 0
	out := make([]quadletOption, len(opts))
	for i, o := range opts {
		out[i] = quadletOption{o, Pos{File: file}}
		for j := next; j < len(lines); j++ {
			l := strings.TrimLeft(lines[j], " \t")
			if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == o.Name {
				out[i].at = Pos{File: file, Line: j + 1, Col: len(lines[j]) - len(l) + 1}
				next = j + 1
				break
			}
		}
	}
	return out, true
}

// Quadlet imports Quadlet files (podman-systemd.unit(5)): each .container
// a service of one component; each .network, .volume and .image file a
// networks/, volumes/ or images/ file.
func Quadlet(sources []string) (*Tree, *Report) {
	r := &Report{}
	t := newTree()
	var files []string
	for _, s := range sources {
		if st, err := os.Stat(s); err == nil && st.IsDir() {
			for _, ext := range []string{"container", "network", "volume", "image"} {
				found, _ := filepath.Glob(filepath.Join(s, "*."+ext))
				files = append(files, found...)
			}
			continue
		}
		files = append(files, s)
	}
	sort.Strings(files)
	names := quadletNames(files)
	for _, f := range files {
		opts, ok := readQuadlet(f, r)
		if !ok {
			continue
		}
		switch ext := filepath.Ext(f); ext {
		case ".container":
			name := strings.TrimSuffix(filepath.Base(f), ext)
			if !config.ValidName(name) {
				r.fail(Pos{File: f}, "", config.NameHint+": rename the file", "invalid service name %q", name)
				continue
			}
			t.Files["services/"+name+".toml"] = quadletContainer(t, name, f, opts, names, r)
		case ".network", ".volume", ".image":
			quadletResource(t, f, opts, names, r)
		default:
			r.fail(Pos{File: f}, "", "expected .container, .network, .volume or .image", "not a Quadlet file")
		}
	}
	if len(r.Errors) > 0 {
		return nil, r
	}
	return t, r
}

// quadletContainer converts one .container file.
func quadletContainer(t *Tree, name, file string, opts []quadletOption, names map[string]string, r *Report) string {
	out := "services/" + name + ".toml"
	to := out + ": components[0]"
	var kvs []kv
	var health []kv
	var podmanArgs []string
	env := map[string]string{}
	var ports, volumes, envFiles []string
	var secrets []any
	user, group := "", ""
	var userAt Pos
	probe := false
	for _, o := range opts {
		key := o.Section + "." + o.Name
		switch o.Section + "/" + o.Name {
		case "Container/Image":
			if strings.HasSuffix(o.Value, ".image") {
				n, ok := names[o.Value]
				if !ok {
					r.fail(o.at, key, "import it too, or name the image itself", "%s is not among the imported files", o.Value)
					continue
				}
				kvs = append(kvs, kv{"image", n})
				r.mapped(o.at, key, fmt.Sprintf("%s.image = %q (images/%s.toml)", to, n, n))
				continue
			}
			kvs = append(kvs, kv{"image", o.Value})
			r.mapped(o.at, key, to+".image")
		case "Container/Exec", "Container/Entrypoint":
			words, ok := shellSplit(o.Value)
			if !ok {
				r.fail(o.at, key, "", "unbalanced quotes")
				continue
			}
			k := map[string]string{"Exec": "cmd", "Entrypoint": "entrypoint"}[o.Name]
			kvs = append(kvs, kv{k, words})
			r.mapped(o.at, key, to+"."+k)
		case "Container/Environment":
			words, _ := shellSplit(o.Value)
			for _, w := range words {
				if k, v, ok := strings.Cut(w, "="); ok {
					env[k] = v
				}
			}
			r.mapped(o.at, key, to+".env")
		case "Container/PublishPort":
			p, err := config.ParsePort(o.Value)
			if err != nil {
				r.fail(o.at, key, "", "%v", err)
				continue
			}
			if len(ports) == 0 {
				probe = p.HostPort != 0 && p.Proto == "tcp"
			}
			ports = append(ports, p.String())
			r.mapped(o.at, key, to+".ports")
		case "Container/Volume":
			spec := o.Value
			if src, rest, ok := strings.Cut(spec, ":"); ok && strings.HasSuffix(src, ".volume") {
				n, declared := names[src]
				file := ": volumes/" + n + ".toml"
				if !declared {
					n, file = "systemd-"+strings.TrimSuffix(src, ".volume"), ", with podman's defaults"
				}
				spec = n + ":" + rest
				r.mapped(o.at, key, fmt.Sprintf("%s.volumes (%s is the podman volume %s, as Quadlet names it%s)", to, src, n, file))
			} else {
				r.mapped(o.at, key, to+".volumes")
			}
			v, err := config.ParseVolume(spec)
			if err != nil {
				r.fail(o.at, key, "", "%v", err)
				continue
			}
			volumes = append(volumes, v.String())
		case "Container/Network":
			net, where := o.Value, ""
			if strings.HasSuffix(net, ".network") {
				n, ok := names[net]
				file := ": networks/" + n + ".toml"
				if !ok {
					n, file = "systemd-"+strings.TrimSuffix(net, ".network"), ", with podman's defaults"
				}
				net, where = n, fmt.Sprintf(" (the podman network %s, as Quadlet names it%s)", n, file)
			}
			kvs = append(kvs, kv{"network", net})
			r.mapped(o.at, key, fmt.Sprintf("%s.network = %q%s", to, net, where))
		case "Container/User":
			user, userAt = o.Value, o.at
			r.mapped(o.at, key, to+".user")
		case "Container/Group":
			group = o.Value
			r.mapped(o.at, key, to+".user (USER:GROUP)")
		case "Container/RunInit":
			if b, _ := strconv.ParseBool(o.Value); b {
				kvs = append(kvs, kv{"init", true})
			}
			r.mapped(o.at, key, to+".init")
		case "Container/PodmanArgs":
			words, _ := shellSplit(o.Value)
			for _, a := range joinValues(words) {
				if k, v, ok := limitArg(a); ok {
					limit(&kvs, k, v, o.at, key, to, r)
					continue
				}
				podmanArgs = append(podmanArgs, a)
			}
			r.mapped(o.at, key, to+".podman_args")
		case "Container/Memory":
			limit(&kvs, "memory", o.Value, o.at, key, to, r)
		case "Container/PidsLimit":
			limit(&kvs, "pids_limit", o.Value, o.at, key, to, r)
		case "Container/EnvironmentFile":
			f := o.Value
			if !filepath.IsAbs(f) {
				f = filepath.Join(absDir(file), f)
			}
			envFiles = append(envFiles, f)
			r.mapped(o.at, key, to+".env_file")
		case "Container/Secret":
			if ref, ok := quadletSecret(t, o, to, r); ok {
				secrets = append(secrets, ref)
			}
		case "Container/AutoUpdate":
			if !slices.Contains(config.AutoUpdates, config.AutoUpdate(o.Value)) {
				r.left(o.at, key, "AutoUpdate=%s: bootstage's auto_update is registry or local", o.Value)
				continue
			}
			kvs = append(kvs, kv{"auto_update", o.Value})
			r.mapped(o.at, key, to+".auto_update")
		case "Container/Pull":
			r.left(o.at, key, "the pull policy is the image's: pull in images/NAME.toml, with ref = the image")
		case "Container/StopTimeout":
			n, err := strconv.Atoi(o.Value)
			if err != nil {
				r.fail(o.at, key, "", "expected seconds, got %q", o.Value)
				continue
			}
			kvs = append(kvs, kv{"stop_timeout", fmt.Sprintf("%ds", n)})
			r.mapped(o.at, key, to+".stop_timeout")
		case "Container/HealthCmd":
			podmanArgs = append(podmanArgs, "--health-cmd="+o.Value)
			r.mapped(o.at, key, to+".podman_args --health-cmd (podman runs it in the container)")
		case "Container/HealthInterval", "Container/HealthTimeout", "Container/HealthRetries", "Container/HealthStartPeriod":
			flag := map[string]string{"HealthInterval": "--health-interval", "HealthTimeout": "--health-timeout",
				"HealthRetries": "--health-retries", "HealthStartPeriod": "--health-start-period"}[o.Name]
			podmanArgs = append(podmanArgs, flag+"="+o.Value)
			if hk := map[string]string{"HealthInterval": "interval", "HealthTimeout": "timeout"}[o.Name]; hk != "" {
				if d, ok := composeDuration(o.Value); ok {
					health = append(health, kv{hk, config.FormatDuration(d)})
				}
			}
			if o.Name == "HealthRetries" {
				if n, err := strconv.Atoi(o.Value); err == nil && n > 0 {
					health = append(health, kv{"unhealthy_threshold", n})
				}
			}
			r.mapped(o.at, key, to+".podman_args "+flag)
		case "Container/ContainerName":
			r.left(o.at, key, "the container is named after its unit, %s", name)
		case "Service/Restart":
			if !slices.Contains(config.Restarts, config.Restart(o.Value)) {
				r.left(o.at, key, "Restart=%s has no podman equivalent: bootstage's restart is no, on-failure, always or unless-stopped", o.Value)
				continue
			}
			kvs = append(kvs, kv{"restart", o.Value})
			r.mapped(o.at, key, to+".restart")
		case "Service/TimeoutStartSec":
			d, ok := composeDuration(o.Value)
			if !ok {
				r.left(o.at, key, "%q is not a duration bootstage reads", o.Value)
				continue
			}
			kvs = append(kvs, kv{"start_timeout", config.FormatDuration(d)})
			r.mapped(o.at, key, to+".start_timeout")
		default:
			switch o.Section {
			case "Unit":
				r.left(o.at, key, "bootstage writes the [Unit] section: ordering comes from stages")
			case "Install":
				r.left(o.at, key, "bootstage.target wants every stage")
			case "Service":
				r.left(o.at, key, "bootstage writes the [Service] section")
			case "Container":
				r.left(o.at, key, "no bootstage equivalent; podman_args can carry it")
			default:
				r.left(o.at, key, "not a section of .container files")
			}
		}
	}
	if user != "" {
		if group != "" {
			user += ":" + group
		}
		kvs = append(kvs, kv{"user", user})
	} else if group != "" {
		r.fail(userAt, "Container.Group", "set User= too", "Group= without User=")
	}
	if len(env) > 0 {
		kvs = append(kvs, kv{"env", env})
	}
	if len(ports) > 0 {
		kvs = append(kvs, kv{"ports", ports})
	}
	if len(volumes) > 0 {
		kvs = append(kvs, kv{"volumes", volumes})
	}
	if len(envFiles) > 0 {
		kvs = append(kvs, kv{"env_file", envFiles})
	}
	if len(secrets) > 0 {
		kvs = append(kvs, kv{"secrets", secrets})
	}
	if len(podmanArgs) > 0 {
		kvs = append(kvs, kv{"podman_args", podmanArgs})
	}
	var d tomlDoc
	d.comment("Imported from %s by bootstage import quadlet.", filepath.Base(file))
	d.table("components", true)
	image := writeKeys(&d, kvs, []string{"image", "cmd", "entrypoint", "env", "env_file", "ports", "volumes", "network", "user", "init",
		"restart", "start_timeout", "stop_timeout", "memory", "cpus", "pids_limit", "secrets", "auto_update", "podman_args"})
	if !image {
		r.fail(Pos{File: file}, "Container.Image", "add Image=", "a .container needs an image")
	}
	if !probe {
		health = append([]kv{{"check", string(config.CheckSystemd)}}, health...)
		r.mapped(Pos{File: file}, "", to+`.health.check = "systemd" (no fixed TCP port to probe: healthy while it runs)`)
	}
	if len(health) > 0 {
		d.table("components.health", false)
		for _, e := range health {
			d.kv(e.key, e.val)
		}
	}
	return d.String()
}

// joinValues joins each option and the value that follows it as its own
// word ("--memory", "256m" → "--memory=256m"): bootstage's podman_args
// hold one option per element, so that no value can be read as the image.
func joinValues(words []string) []string {
	var out []string
	for _, w := range words {
		if n := len(out); n > 0 && !strings.HasPrefix(w, "-") && strings.HasPrefix(out[n-1], "--") && !strings.Contains(out[n-1], "=") {
			out[n-1] += "=" + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// limitArg reads a podman_args option that bootstage has a key for:
// --memory (-m), --cpus, --pids-limit.
func limitArg(a string) (key, value string, ok bool) {
	opt, v, hasValue := strings.Cut(a, "=")
	k := map[string]string{"--memory": "memory", "-m": "memory", "--cpus": "cpus", "--pids-limit": "pids_limit"}[opt]
	return k, v, k != "" && hasValue
}

// absDir is the absolute folder of file: Quadlet reads relative paths
// from its unit file's folder.
func absDir(file string) string {
	dir := filepath.Dir(file)
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
