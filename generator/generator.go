// Package generator turns a bootstage configuration tree into systemd
// units (DESIGN §3): one service per component, through its runtime; one
// target and one health gate per stage; bootstage.target wanting them all.
// It reads configuration and returns the units; writing them is Write's.
package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/units"
	"github.com/bootstage/bootstage/vm/kvm"
)

// MainTarget wants every stage; multi-user.target wants it.
const MainTarget = "bootstage.target"

// Options says what to generate for.
type Options struct {
	ConfigPath []string       // nil: load.SearchPath()
	Hostname   string         // "": os.Hostname()
	Host       *runtimes.Host // nil: DetectHost(), then DetectKVM if a VM asks
	// DetectKVM says whether hardware virtualization works here, for
	// accel = "auto", when Host is nil; nil: kvm.Detect. It is asked only
	// when a VM leaves the choice to auto: it opens /dev/kvm.
	DetectKVM func() (bool, string)
	// FileExists says whether a file is there, for finding Nanos's files
	// (Host.Nanos, which is always found anew: from bootstage.toml, else
	// config.NanosDirs); nil: a stat.
	FileExists func(path string) bool
}

// Output is everything one generator run produces.
type Output struct {
	Host   runtimes.Host // what the units were generated for
	Tree   *config.Tree
	Stages []Stage       // in boot order: what each stage's units are and watch
	Units  []*units.File // sorted by name
	Links  []Link        // sorted by name
	// Resources are the network, volume and image units components
	// require, by kind (volume, network, image) and name.
	Resources []Resource
	Problems  config.Problems

	writeErrs []error // of units GenerateInto wrote while building
}

// Link is a symlink in the output directory, relative to it.
type Link struct{ Name, Target string }

// Generate loads the configuration and builds every unit. A bad service
// file never fails the whole: it becomes Problems and failing units.
func Generate(opts Options) (*Output, error) {
	return generate(opts, nil)
}

// GenerateInto is Generate followed by Write into dir, as the generator
// runs at boot: each component unit is written by the worker that built it
// and then dropped, so Units holds only the units of stages, main target
// and broken files. The output is nil only when nothing could be generated
// (no directory, no hostname); otherwise the error joins every unit that
// could not be written, and all the others are.
func GenerateInto(opts Options, dir string) (*Output, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out, err := generate(opts, func(f *units.File) error {
		buf := renderBufs.Get().(*[]byte)
		defer renderBufs.Put(buf)
		*buf = f.AppendTo((*buf)[:0])
		return writeFile(filepath.Join(dir, f.Name), *buf)
	})
	if err != nil {
		return nil, err
	}
	return out, errors.Join(append(out.writeErrs, out.Write(dir))...)
}

// renderBufs hold rendered units between building and writing: one per
// worker at a time, reused, instead of a new slice per unit.
var renderBufs = sync.Pool{New: func() any { return new([]byte) }}

func generate(opts Options, emit func(*units.File) error) (*Output, error) {
	dirs := opts.ConfigPath
	if dirs == nil {
		dirs = load.SearchPath()
	}
	hostname := opts.Hostname
	if hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("reading the hostname: %w", err)
		}
		hostname = h
	}
	host := opts.Host
	if host == nil {
		h := DetectHost()
		host = &h
	} else {
		h := *host // Nanos is filled in below: not into the caller's Host
		host = &h
	}
	settings, settingsProblems := load.Settings(dirs)
	exists := opts.FileExists
	if exists == nil {
		exists = fileExists
	}
	host.Nanos = qemu.FindNanos(settings.Unikernel, exists)
	tree, problems := load.Tree(dirs, hostname, runtimeCheck(*host))
	problems = append(problems, settingsProblems...)
	problems.Sort()
	if opts.Host == nil && autoAccel(tree) {
		detect := opts.DetectKVM
		if detect == nil {
			detect = kvm.Detect
		}
		host.KVM, host.KVMReason = detect()
	}
	return build(tree, problems, *host, emit), nil
}

// runtimeCheck lets each component's runtime judge it while the loader
// still knows where each key stands.
func runtimeCheck(h runtimes.Host) config.RuntimeCheck {
	return func(c *config.Component) []config.FieldError {
		if rt := runtimeOf(c.Runtime); rt != nil {
			return rt.Validate(c, h)
		}
		return []config.FieldError{{Key: "runtime", Msg: fmt.Sprintf("runtime %q is not built into this bootstage", c.Runtime)}}
	}
}

// Build makes the units of a loaded tree; problems are those of loading.
// A service whose host ports clash with an earlier one's becomes a broken
// file of tree.
func Build(tree *config.Tree, problems config.Problems, host runtimes.Host) *Output {
	return build(tree, problems, host, nil)
}

// build checks what spans files (host ports: see portClashes, which may
// move services of tree to its broken files), then makes the units.
func build(tree *config.Tree, problems config.Problems, host runtimes.Host, emit func(*units.File) error) *Output {
	problems = append(problems, portClashes(tree)...)
	b := newBuilder(tree, problems, host, emit)
	b.build()
	sort.Slice(b.out.Units, func(i, j int) bool { return b.out.Units[i].Name < b.out.Units[j].Name })
	sort.Slice(b.out.Links, func(i, j int) bool { return b.out.Links[i].Name < b.out.Links[j].Name })
	b.out.Problems.Sort()
	return b.out
}

// newBuilder is a builder of tree's units for host.
func newBuilder(tree *config.Tree, problems config.Problems, host runtimes.Host, emit func(*units.File) error) *builder {
	return &builder{host: host, out: &Output{Host: host, Tree: tree, Problems: problems},
		names: map[string]string{}, emit: emit, system: readSystemUnits(host.UnitPath),
		withheld: map[string]bool{}}
}

// AutoAccel reports whether a VM of the tree leaves the choice of KVM or
// TCG to the host (accel = "auto"): the generator then logs the choice.
func (o *Output) AutoAccel() bool { return autoAccel(o.Tree) }

func autoAccel(tree *config.Tree) bool {
	for _, s := range tree.Services {
		for _, c := range s.Components {
			if c.Runtime == config.QEMU && c.Accel == config.AccelAuto {
				return true
			}
		}
	}
	return false
}

// Files renders the output as relative path -> content; a link's content
// is "-> TARGET". For dry runs, plans and golden files.
func (o *Output) Files() map[string][]byte {
	m := make(map[string][]byte, len(o.Units)+len(o.Links))
	for _, u := range o.Units {
		m[u.Name] = u.Bytes()
	}
	for _, l := range o.Links {
		m[l.Name] = []byte("-> " + l.Target + "\n")
	}
	return m
}
