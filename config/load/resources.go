package load

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// resourceKinds are the folders of node resources (DESIGN §2.1), in the
// order their problems are reported.
var resourceKinds = []string{"networks", "volumes", "images", "secrets"}

// loadResources reads every resource file of dirs. A file with an error is
// left out of the model: its problems say why, and what uses it is judged
// against what remains.
func loadResources(dirs []string) (config.Resources, config.Problems) {
	res := config.Resources{Networks: map[string]*config.Network{}, Volumes: map[string]*config.NamedVolume{},
		Images: map[string]*config.Image{}, Secrets: map[string]*config.Secret{}, Broken: map[string]*config.Broken{}}
	var problems config.Problems
	for _, kind := range resourceKinds {
		files, hasDropIns, ps := kindFiles(dirs, kind)
		problems = append(problems, ps...)
		for _, name := range sortedKeys(files) {
			var drops []string
			if hasDropIns[name] {
				drops = dropIns(dirs, kind, name)
			}
			ps := loadResource(&res, kind, name, files[name], drops)
			if len(ps) > 0 {
				res.Broken[kind+"/"+name] = &config.Broken{Name: name, Source: files[name], Errors: asErrors(ps)}
			}
			problems = append(problems, ps...)
		}
	}
	problems = append(problems, duplicateRefs(res.Images)...)
	return res, problems
}

// loadResource reads one resource file into res.
func loadResource(res *config.Resources, kind, name, file string, drops []string) config.Problems {
	if !config.ValidName(name) {
		return config.Problems{{File: file, Msg: fmt.Sprintf("invalid %s name %q", strings.TrimSuffix(kind, "s"), name),
			Hint: config.NameHint + ": rename the file"}}
	}
	src, err := readSmall(file)
	if err != nil {
		return config.Problems{{File: file, Msg: err.Error()}}
	}
	d, t, err := parseMerged(file, src, drops)
	if err != nil {
		return d.problems
	}
	switch kind {
	case "networks":
		n := parseNetwork(t, name)
		n.Source, n.DropIns = file, d.dropIns
		if ok(d, t) {
			res.Networks[name] = n
		}
	case "volumes":
		v := parseVolume(t, name)
		v.Source, v.DropIns = file, d.dropIns
		if ok(d, t) {
			res.Volumes[name] = v
		}
	case "images":
		im := parseImage(t, name)
		im.Source, im.DropIns = file, d.dropIns
		if ok(d, t) {
			res.Images[name] = im
		}
	case "secrets":
		s := parseSecret(t, name)
		s.Source, s.DropIns = file, d.dropIns
		if ok(d, t) {
			res.Secrets[name] = s
		}
	}
	return d.finish()
}

// ok finishes a resource file: unknown keys and unit-breaking strings are
// reported, and the file is valid when nothing was.
func ok(d *doc, t table) bool {
	t.done()
	checkStrings(d, t)
	return len(d.problems) == 0
}

// duplicateRefs reports two image files for one reference: which one's
// options apply would depend on the file names.
func duplicateRefs(images map[string]*config.Image) config.Problems {
	var ps config.Problems
	first := map[string]string{}
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		im := images[n]
		if prev, dup := first[im.Ref]; dup {
			ps = append(ps, config.Problem{File: im.Source, Line: im.Line, Col: 1, Key: "ref",
				Msg:  fmt.Sprintf("image %q is already configured by %s", im.Ref, filepath.Base(images[prev].Source)),
				Hint: "keep one file per image"})
			delete(images, n)
			continue
		}
		first[im.Ref] = n
	}
	return ps
}

// checkReferences checks what a component names in another file: a
// secret that no secrets/ file declares is an error at the component's
// key, and costs the service its units, as any other error does. An
// image named by its images/ file becomes that file's reference.
func checkReferences(d *doc, s *config.Service, res *config.Resources) {
	if res == nil {
		return
	}
	for _, c := range s.Components {
		resolveImage(*res, c)
		for _, ref := range c.Secrets {
			if res.Secrets[ref.Name] == nil && res.Broken["secrets/"+ref.Name] == nil {
				d.errAt(ref.Key, fmt.Sprintf(`add secrets/%s.toml with file = "/path" or credential = "NAME"`, ref.Name),
					"no secret %q: there is no secrets/%s.toml", ref.Name, ref.Name)
			}
		}
	}
}

// resolveImage lets a component name its image by the images/ file that
// configures it (image = "metacrypt" for images/metacrypt.toml).
func resolveImage(res config.Resources, c *config.Component) {
	if im := res.Images[c.Image]; im != nil && c.Runtime == config.Podman {
		c.Image = im.Ref
	}
}
