package importer

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bootstage/bootstage/config"
)

// The node resources of a compose file (DESIGN §2.1): its top-level
// networks, volumes and secrets, and what its services say of them.

// resources reads the top-level networks, volumes and secrets before the
// services, whose references they rename.
func (c *composeFile) resources(root *yaml.Node) {
	for _, p := range pairs(root) {
		switch p.key {
		case "networks", "volumes", "secrets":
			entries := pairs(p.v)
			if len(entries) == 0 {
				c.r.left(c.src.at(p.k), p.key, "empty")
			}
			for _, e := range entries {
				switch p.key {
				case "networks":
					c.network(e)
				case "volumes":
					c.volume(e)
				case "secrets":
					c.secret(e)
				}
			}
		}
	}
}

// podmanName reads a resource's name: key, which compose gives as it is
// to podman; without it compose prefixes the key with its project name,
// and the bootstage resource is named after the key. It returns "" when
// the name is not a bootstage name.
func (c *composeFile) podmanName(kind string, e pair) string {
	name := e.key
	for _, x := range pairs(e.v) {
		if x.key == "name" {
			name = x.v.Value
		}
	}
	if !config.ValidName(name) {
		c.r.fail(c.src.at(e.k), join(kind, e.key), config.NameHint+": rename it, or set name:", "invalid %s name %q", strings.TrimSuffix(kind, "s"), name)
		return ""
	}
	return name
}

// network converts one top-level network to networks/NAME.toml.
func (c *composeFile) network(e pair) {
	key := join("networks", e.key)
	if e.key == "default" {
		c.r.left(c.src.at(e.k), key, "compose's default network: a service that names no network joins podman's default one")
		return
	}
	name := c.podmanName("networks", e)
	if name == "" {
		return
	}
	c.netNames[e.key] = name
	out := "networks/" + name + ".toml"
	var kvs []kv
	opts := map[string]string{}
	external := false
	for _, x := range pairs(e.v) {
		k, at := join(key, x.key), c.src.at(x.k)
		switch x.key {
		case "name":
			c.r.mapped(at, k, out+" (the podman network's name)")
		case "driver":
			kvs = append(kvs, kv{"driver", x.v.Value})
			c.r.mapped(at, k, out+": driver")
		case "driver_opts":
			c.options(x.v, opts)
			c.r.mapped(at, k, out+": options")
		case "internal":
			kvs = append(kvs, kv{"internal", x.v.Value == "true"})
			c.r.mapped(at, k, out+": internal")
		case "external":
			external = c.external(k, x, &kvs, out)
		case "ipam":
			c.ipam(k, x.v, &kvs, out)
		case "enable_ipv6", "attachable", "labels":
			c.r.left(at, k, "no bootstage equivalent")
		default:
			c.r.left(at, k, "not a key of compose networks")
		}
	}
	if external && (len(kvs) > 1 || len(opts) > 0) {
		c.r.fail(c.src.at(e.k), key, "drop them, or external: false", "an external network takes no driver, options, ipam or internal")
	}
	c.r.mapped(c.src.at(e.k), key, out)
	c.files[out] = resourceFile(fmt.Sprintf("Imported from %s (network %s) by bootstage import compose.", filepath.Base(c.src.file), e.key), kvs, opts)
}

// external reads external: true (or compose's older external: {name: X}).
func (c *composeFile) external(k string, x pair, kvs *[]kv, out string) bool {
	on := x.v.Value == "true" || len(pairs(x.v)) > 0
	for _, n := range pairs(x.v) {
		c.r.left(c.src.at(n.k), join(k, n.key), "compose's older spelling: write name: beside external: true")
	}
	if on {
		*kvs = append(*kvs, kv{"external", true})
	}
	c.r.mapped(c.src.at(x.k), k, out+": external")
	return on
}

// options reads driver_opts into opts.
func (c *composeFile) options(n *yaml.Node, opts map[string]string) {
	for _, o := range pairs(n) {
		opts[o.key] = o.v.Value
	}
}

// ipam reads a network's first address pool: bootstage's networks have
// one subnet and one gateway.
func (c *composeFile) ipam(key string, n *yaml.Node, kvs *[]kv, out string) {
	for _, p := range pairs(n) {
		k, at := join(key, p.key), c.src.at(p.k)
		if p.key != "config" {
			c.r.left(at, k, "no bootstage equivalent")
			continue
		}
		for i, pool := range items(p.v) {
			pk := yamlIndex(k, i)
			if i > 0 {
				c.r.left(c.src.at(pool), pk, "a bootstage network has one subnet: it keeps the first")
				continue
			}
			for _, x := range pairs(pool) {
				switch x.key {
				case "subnet", "gateway":
					*kvs = append(*kvs, kv{x.key, x.v.Value})
					c.r.mapped(c.src.at(x.k), join(pk, x.key), out+": "+x.key)
				default:
					c.r.left(c.src.at(x.k), join(pk, x.key), "no bootstage equivalent")
				}
			}
		}
	}
}

// volume converts one top-level volume to volumes/NAME.toml.
func (c *composeFile) volume(e pair) {
	key := join("volumes", e.key)
	name := c.podmanName("volumes", e)
	if name == "" {
		return
	}
	c.volNames[e.key] = name
	out := "volumes/" + name + ".toml"
	var kvs []kv
	opts := map[string]string{}
	external := false
	for _, x := range pairs(e.v) {
		k, at := join(key, x.key), c.src.at(x.k)
		switch x.key {
		case "name":
			c.r.mapped(at, k, "the podman volume "+name)
		case "driver":
			kvs = append(kvs, kv{"driver", x.v.Value})
			c.r.mapped(at, k, out+": driver")
		case "driver_opts":
			c.options(x.v, opts)
			c.r.mapped(at, k, out+": options")
		case "external":
			external = x.v.Value == "true" || len(pairs(x.v)) > 0
			c.r.mapped(at, k, "no volumes/ file: bootstage's volume unit uses an existing volume as it is")
		case "labels":
			c.r.left(at, k, "no bootstage equivalent")
		default:
			c.r.left(at, k, "not a key of compose volumes")
		}
	}
	if external {
		return
	}
	c.r.mapped(c.src.at(e.k), key, out)
	c.files[out] = resourceFile(fmt.Sprintf("Imported from %s (volume %s) by bootstage import compose.", filepath.Base(c.src.file), e.key), kvs, opts)
}

// secret converts one top-level secret: a file becomes secrets/NAME.toml;
// one from compose's environment or podman's store has no source
// bootstage reads, and is reported with the services that use it.
func (c *composeFile) secret(e pair) {
	key := join("secrets", e.key)
	if !config.ValidName(e.key) {
		c.r.fail(c.src.at(e.k), key, config.NameHint, "invalid secret name %q", e.key)
		return
	}
	out := "secrets/" + e.key + ".toml"
	file := ""
	for _, x := range pairs(e.v) {
		k, at := join(key, x.key), c.src.at(x.k)
		switch x.key {
		case "file":
			file = c.abs(x.v.Value)
			c.r.mapped(at, k, fmt.Sprintf("%s: file = %q", out, file))
		case "environment":
			c.r.left(at, k, "a secret from the environment of compose: bootstage reads secrets from files or system credentials; write it to a file and declare it in secrets/%s.toml", e.key)
		case "external":
			c.r.left(at, k, "a secret in podman's store: bootstage reads secrets from files or system credentials; write it to a file and declare it in secrets/%s.toml", e.key)
		case "name":
			c.r.left(at, k, "bootstage's secret is named after its file, %s", out)
		default:
			c.r.left(at, k, "not a key of compose secrets")
		}
	}
	if file == "" {
		return
	}
	c.secretFiles[e.key] = true
	c.r.mapped(c.src.at(e.k), key, out)
	c.files[out] = resourceFile(fmt.Sprintf("Imported from %s (secret %s) by bootstage import compose.", filepath.Base(c.src.file), e.key), []kv{{"file", file}}, nil)
}

// abs is a path of the compose file made absolute from its folder.
func (c *composeFile) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	base := filepath.Dir(c.src.file)
	if a, err := filepath.Abs(base); err == nil {
		base = a
	}
	return filepath.Join(base, p)
}

// secrets reads a service's secrets, short (a name) and long (source,
// target, uid, gid, mode) syntax.
func (c *composeFile) secrets(key string, n *yaml.Node, to string) []any {
	var out []any
	for i, e := range items(n) {
		k := yamlIndex(key, i)
		name, short := scalar(e)
		var opts []kv
		if !short {
			for _, x := range pairs(e) {
				xk, at := join(k, x.key), c.src.at(x.k)
				switch x.key {
				case "source":
					name = x.v.Value
				case "target":
					t := x.v.Value
					if !strings.HasPrefix(t, "/") {
						t = config.DefaultSecretDir + t
					}
					opts = append(opts, kv{"target", t})
					c.r.mapped(at, xk, to+".secrets: target")
				case "uid", "gid":
					id, err := strconv.Atoi(x.v.Value)
					if err != nil || id < 0 {
						c.r.fail(at, xk, "a number: bootstage does not look names up in the container", "expected a numeric %s, got %q", x.key, x.v.Value)
						continue
					}
					opts = append(opts, kv{x.key, id})
					c.r.mapped(at, xk, to+".secrets: "+x.key)
				case "mode":
					m, err := strconv.ParseUint(strings.Replace(x.v.Value, "0o", "0", 1), 0, 32)
					if err != nil || m > 0o777 {
						c.r.fail(at, xk, `an octal mode such as 0440`, "invalid mode %q", x.v.Value)
						continue
					}
					opts = append(opts, kv{"mode", fmt.Sprintf("%04o", m)})
					c.r.mapped(at, xk, to+".secrets: mode")
				default:
					c.r.left(at, xk, "not a key of a service's secrets")
				}
			}
		}
		if !c.secretFiles[name] {
			c.r.left(c.src.at(e), k, "secret %q has no secrets/ file: see its top-level entry", name)
			continue
		}
		out = append(out, secretRef(name, opts))
		c.r.mapped(c.src.at(e), k, fmt.Sprintf("%s.secrets (secrets/%s.toml, at %s unless target says)", to, name, config.DefaultSecretDir+name))
	}
	return out
}

// envFiles reads env_file: a path, a list of paths, or of {path,
// required, format}; each made absolute from the compose file's folder.
func (c *composeFile) envFiles(key string, n *yaml.Node) []string {
	if s, ok := scalar(n); ok {
		return []string{c.abs(s)}
	}
	var out []string
	for i, e := range items(n) {
		if s, ok := scalar(e); ok {
			out = append(out, c.abs(s))
			continue
		}
		for _, x := range pairs(e) {
			xk, at := join(yamlIndex(key, i), x.key), c.src.at(x.k)
			switch x.key {
			case "path":
				out = append(out, c.abs(x.v.Value))
			case "required":
				if x.v.Value == "false" {
					c.r.left(at, xk, "podman fails to start the container when an env file is missing")
				}
			default:
				c.r.left(at, xk, "no bootstage equivalent")
			}
		}
	}
	return out
}

// deploy reads deploy.resources.limits; the rest of deploy is swarm's.
func (c *composeFile) deploy(key string, n *yaml.Node, kvs *[]kv, to string) {
	for _, e := range pairs(n) {
		ek := join(key, e.key)
		if e.key != "resources" {
			c.r.left(c.src.at(e.k), ek, "part of deploy that is swarm's, not bootstage's concern")
			continue
		}
		for _, l := range pairs(e.v) {
			lk := join(ek, l.key)
			if l.key != "limits" {
				c.r.left(c.src.at(l.k), lk, "bootstage sets limits, not reservations")
				continue
			}
			for _, x := range pairs(l.v) {
				xk, at := join(lk, x.key), c.src.at(x.k)
				switch x.key {
				case "memory", "cpus":
					limit(kvs, x.key, x.v.Value, at, xk, to, c.r)
				case "pids":
					limit(kvs, "pids_limit", x.v.Value, at, xk, to, c.r)
				default:
					c.r.left(at, xk, "no bootstage equivalent")
				}
			}
		}
	}
}
