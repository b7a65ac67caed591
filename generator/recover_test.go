package generator

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
)

// A panic while a worker builds one unit (a bug) makes that unit its
// file's failing stand-in, with the error, and a positioned problem of its
// file; the other units are built as usual. A nil component stands in for
// any bug in a runtime's unit builder.
func TestPanicInBuildingCostsOnlyItsUnit(t *testing.T) {
	t.Parallel()
	st := &config.Stage{Name: "core", Timeout: config.DefaultStageTimeout}
	good := &config.Service{Name: "good", Source: "/etc/bootstage/services/good.toml",
		Components: []*config.Component{{Runtime: config.Podman, Image: "x"}}}
	bad := &config.Service{Name: "bad", Source: "/etc/bootstage/services/bad.toml"}
	at := place{stage: st}
	b := newBuilder(&config.Tree{}, nil, runtimes.Host{Podman: "/usr/bin/podman"}, nil)
	jobs := []*job{
		{name: "good.service", svc: good, c: good.Components[0], at: at, gen: &Component{Name: "good", Runtime: config.Podman}},
		{name: "bad.service", svc: bad, at: at, gen: &Component{Name: "bad", Runtime: config.Podman, Probe: &spec.Probe{}}},
	}
	b.buildAll(jobs)
	const want = "/etc/bootstage/services/bad.toml:1:1: internal error: runtime error: invalid memory address or nil pointer dereference (a bug in bootstage: please report it, with this file)"
	if got := b.out.Problems.Error(); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
	if len(b.out.Units) != 2 {
		t.Fatalf("%d units, want 2", len(b.out.Units))
	}
	if u := string(b.out.Units[0].Bytes()); !strings.Contains(u, "\nExecStart=/usr/bin/podman run ") {
		t.Errorf("good.service is not a podman unit:\n%s", u)
	}
	if stand := string(b.out.Units[1].Bytes()); !strings.Contains(stand, "internal error: runtime error: invalid memory address") {
		t.Errorf("bad.service is not a stand-in naming the error:\n%s", stand)
	}
	if jobs[1].gen.Probe != nil || jobs[1].gen.Runtime != "" {
		t.Errorf("the gate would wait for the stand-in: %+v", jobs[1].gen)
	}
}

// A panic while a worker writes one unit costs only that unit: the others
// are written, and the run reports the one that was not.
func TestPanicInWritingCostsOnlyItsUnit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range map[string]string{"good": "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n", "bad": "[[components]]\nimage = \"y\"\nhealth.check = \"none\"\n"} {
		writeConfig(t, filepath.Join(dir, "services/"+name+".toml"), src)
	}
	tree, problems := load.Tree([]string{dir}, "node1")
	var mu sync.Mutex
	var written []string
	emit := func(f *units.File) error {
		if f.Name == "bad.service" {
			panic("disk on fire")
		}
		mu.Lock()
		defer mu.Unlock()
		written = append(written, f.Name)
		return nil
	}
	out := build(tree, problems, runtimes.Host{Podman: "/usr/bin/podman"}, emit)
	if len(written) != 1 || written[0] != "good.service" {
		t.Errorf("written: %v", written)
	}
	if len(out.writeErrs) != 1 || out.writeErrs[0].Error() != "writing bad.service: internal error: disk on fire" {
		t.Errorf("write errors: %v", out.writeErrs)
	}
}
