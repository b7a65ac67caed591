package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"

	"github.com/bootstage/bootstage/config"
)

// Quadlet's .network, .volume and .image files become networks/,
// volumes/ and images/ files (DESIGN §2.1). A network or volume keeps the
// podman name Quadlet gives it (NetworkName=, VolumeName=, else
// systemd-NAME) as its file's name, so that a volume's data and what
// else joins the network carry over; an image file keeps the .image
// file's name, which its containers use for it.

// quadletNames maps each .network, .volume and .image file's base name to
// the bootstage resource it becomes: the podman name of a network or
// volume, the file's stem for an image.
func quadletNames(files []string) map[string]string {
	names := map[string]string{}
	for _, f := range files {
		base, ext := filepath.Base(f), filepath.Ext(f)
		stem := strings.TrimSuffix(base, ext)
		section := map[string]string{".network": "Network", ".volume": "Volume"}[ext]
		switch ext {
		case ".image":
			names[base] = stem
			continue
		case ".network", ".volume":
			names[base] = "systemd-" + stem
		default:
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if opts, err := unit.DeserializeOptions(bytes.NewReader(src)); err == nil {
			for _, o := range opts {
				if o.Section == section && o.Name == section+"Name" && o.Value != "" {
					names[base] = o.Value
				}
			}
		}
	}
	return names
}

// quadletResource converts one .network, .volume or .image file into
// t, under the name names gives it.
func quadletResource(t *Tree, file string, opts []quadletOption, names map[string]string, r *Report) {
	ext := filepath.Ext(file)
	kind := ext[1:] + "s"
	name := names[filepath.Base(file)]
	if !config.ValidName(name) {
		r.fail(Pos{File: file}, "", config.NameHint+": rename the file, or set its podman name", "invalid %s name %q", ext[1:], name)
		return
	}
	out := kind + "/" + name + ".toml"
	var kvs []kv
	options := map[string]string{}
	switch ext {
	case ".network":
		kvs = quadletNetwork(out, opts, options, r)
	case ".volume":
		kvs = quadletVolume(out, opts, options, names, r)
	case ".image":
		kvs = quadletImage(out, opts, r)
	}
	r.mapped(Pos{File: file}, "", out)
	t.Files[out] = resourceFile(fmt.Sprintf("Imported from %s by bootstage import quadlet.", filepath.Base(file)), kvs, options)
}

// quadletOther reports a key of a resource file that maps to nothing.
func quadletOther(o quadletOption, r *Report) {
	key := o.Section + "." + o.Name
	switch o.Section {
	case "Unit":
		r.left(o.at, key, "bootstage writes the [Unit] section: the resource's unit is ordered before what uses it")
	case "Install":
		r.left(o.at, key, "a resource's unit is pulled in by what uses it")
	case "Service":
		r.left(o.at, key, "bootstage writes the [Service] section")
	default:
		r.left(o.at, key, "no bootstage equivalent")
	}
}

func quadletNetwork(out string, opts []quadletOption, options map[string]string, r *Report) []kv {
	var kvs []kv
	seen := map[string]bool{}
	for _, o := range opts {
		key := o.Section + "." + o.Name
		if o.Section != "Network" {
			quadletOther(o, r)
			continue
		}
		switch o.Name {
		case "NetworkName":
			r.mapped(o.at, key, out+" (the podman network's name)")
		case "Subnet", "Gateway":
			k := strings.ToLower(o.Name)
			if seen[k] {
				r.left(o.at, key, "a bootstage network has one %s: it keeps the first", k)
				continue
			}
			seen[k] = true
			kvs = append(kvs, kv{k, o.Value})
			r.mapped(o.at, key, out+": "+k)
		case "Driver":
			kvs = append(kvs, kv{"driver", o.Value})
			r.mapped(o.at, key, out+": driver")
		case "Internal", "DisableDNS":
			b, err := strconv.ParseBool(o.Value)
			if err != nil {
				r.fail(o.at, key, "true or false", "invalid boolean %q", o.Value)
				continue
			}
			if o.Name == "Internal" {
				kvs = append(kvs, kv{"internal", b})
				r.mapped(o.at, key, out+": internal")
				continue
			}
			kvs = append(kvs, kv{"dns", !b})
			r.mapped(o.at, key, out+": dns")
		case "Options":
			keyValueWords(o, options, r)
			r.mapped(o.at, key, out+": options")
		default:
			quadletOther(o, r)
		}
	}
	return kvs
}

// keyValueWords reads an option of KEY=VALUE words into m.
func keyValueWords(o quadletOption, m map[string]string, r *Report) {
	words, _ := shellSplit(o.Value)
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			r.left(o.at, o.Section+"."+o.Name, "%q is not KEY=VALUE: bootstage's options are", w)
			continue
		}
		m[k] = v
	}
}

// quadletVolume maps a .volume: Device=, Type= and Options= are the local
// driver's device, type and o options, with User= and Group= as uid and
// gid in o, as Quadlet passes them.
func quadletVolume(out string, opts []quadletOption, options map[string]string, names map[string]string, r *Report) []kv {
	var kvs []kv
	var mountOpts []string
	for _, o := range opts {
		key := o.Section + "." + o.Name
		if o.Section != "Volume" {
			quadletOther(o, r)
			continue
		}
		switch o.Name {
		case "VolumeName":
			r.mapped(o.at, key, out+" (the podman volume's name)")
		case "Driver":
			kvs = append(kvs, kv{"driver", o.Value})
			r.mapped(o.at, key, out+": driver")
		case "Device", "Type":
			options[strings.ToLower(o.Name)] = o.Value
			r.mapped(o.at, key, out+": options."+strings.ToLower(o.Name))
		case "Options":
			mountOpts = append(mountOpts, o.Value)
			r.mapped(o.at, key, out+": options.o")
		case "User", "Group":
			k := map[string]string{"User": "uid", "Group": "gid"}[o.Name]
			if _, err := strconv.ParseUint(o.Value, 10, 32); err != nil {
				r.left(o.at, key, "%q is not a number: the volume's owner is numeric", o.Value)
				continue
			}
			mountOpts = append(mountOpts, k+"="+o.Value)
			r.mapped(o.at, key, out+": options.o ("+k+"=)")
		case "Image":
			im := o.Value
			if n, ok := names[im]; ok && strings.HasSuffix(im, ".image") {
				im = n
			}
			options["image"] = im
			r.mapped(o.at, key, out+": options.image")
		default:
			quadletOther(o, r)
		}
	}
	if len(mountOpts) > 0 {
		options["o"] = strings.Join(mountOpts, ",")
	}
	return kvs
}

// quadletImage maps an .image file. Its unit pulled at every start; an
// images/ file pulls when the image is missing, bootstage's default.
func quadletImage(out string, opts []quadletOption, r *Report) []kv {
	var kvs []kv
	for _, o := range opts {
		key := o.Section + "." + o.Name
		if o.Section != "Image" {
			quadletOther(o, r)
			continue
		}
		switch o.Name {
		case "Image":
			kvs = append(kvs, kv{"ref", o.Value})
			r.mapped(o.at, key, out+`: ref (pulled when missing, bootstage's default; Quadlet pulled it at every start: pull = "always" does)`)
		case "AuthFile":
			kvs = append(kvs, kv{"auth_file", o.Value})
			r.mapped(o.at, key, out+": auth_file")
		case "TLSVerify":
			b, err := strconv.ParseBool(o.Value)
			if err != nil {
				r.fail(o.at, key, "true or false", "invalid boolean %q", o.Value)
				continue
			}
			kvs = append(kvs, kv{"tls_verify", b})
			r.mapped(o.at, key, out+": tls_verify")
		case "Retry":
			n, err := strconv.Atoi(o.Value)
			if err != nil || n < 0 || n > 100 {
				r.fail(o.at, key, "0 to 100", "invalid retry count %q", o.Value)
				continue
			}
			kvs = append(kvs, kv{"retries", n})
			r.mapped(o.at, key, out+": retries")
		case "RetryDelay":
			d, ok := composeDuration(o.Value)
			if !ok {
				r.fail(o.at, key, `a duration such as "5s"`, "invalid duration %q", o.Value)
				continue
			}
			kvs = append(kvs, kv{"retry_delay", config.FormatDuration(d)})
			r.mapped(o.at, key, out+": retry_delay")
		default:
			quadletOther(o, r)
		}
	}
	return kvs
}

// quadletSecret reads a .container's Secret=NAME[,type=mount,target=,
// uid=,gid=,mode=] as a component's secret. Quadlet's secret is in
// podman's store, which bootstage does not read: secrets/NAME.toml names
// a file the operator fills with it. ok is false for type=env, as
// bootstage gives secrets as files only.
func quadletSecret(t *Tree, o quadletOption, to string, r *Report) (any, bool) {
	key := o.Section + "." + o.Name
	parts := strings.Split(o.Value, ",")
	name := parts[0]
	if !config.ValidName(name) {
		r.fail(o.at, key, config.NameHint, "invalid secret name %q", name)
		return nil, false
	}
	var refOpts []kv
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "type":
			if v == "env" {
				r.left(o.at, key, "a secret as an environment variable: bootstage gives secrets as files")
				return nil, false
			}
		case "target":
			if !strings.HasPrefix(v, "/") {
				v = config.DefaultSecretDir + v
			}
			refOpts = append(refOpts, kv{"target", v})
		case "uid", "gid":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				r.fail(o.at, key, "a number", "invalid %s %q", k, v)
				return nil, false
			}
			refOpts = append(refOpts, kv{k, n})
		case "mode":
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil || m > 0o777 {
				r.fail(o.at, key, "an octal mode such as 0440", "invalid mode %q", v)
				return nil, false
			}
			refOpts = append(refOpts, kv{"mode", fmt.Sprintf("%04o", m)})
		default:
			r.left(o.at, key, "the secret's %s option has no bootstage equivalent", k)
		}
	}
	file := "/etc/bootstage/secrets/" + name
	out := "secrets/" + name + ".toml"
	var d tomlDoc
	d.comment("Imported from %s by bootstage import quadlet: the secret was in podman's store.", filepath.Base(o.at.File))
	d.comment("Write its content to this file (root only), or name a system credential instead.")
	d.kv("file", file)
	t.Files[out] = d.String()
	r.mapped(o.at, key, fmt.Sprintf("%s.secrets, and %s: file = %q, which you fill with the podman secret's content", to, out, file))
	return secretRef(name, refOpts), true
}
