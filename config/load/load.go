// Package load reads bootstage's configuration tree (DESIGN §2) into the
// model of package config: the search path, hiding and masking,
// stages.toml and services/*.toml, as strict TOML. Every problem is a
// config.Problem with its file, line and column; a bad service file costs
// only that service, which is kept as config.Broken so its units can say
// why.
package load

import (
	"github.com/bootstage/bootstage/config"
	"slices"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/bootstage/bootstage/internal/parallel"
)

// DefaultSearchPath is where configuration is looked for, highest
// priority first: a file in an earlier directory hides one of the same
// name in a later one.
var DefaultSearchPath = []string{"/etc/bootstage", "/run/bootstage", "/usr/local/lib/bootstage", "/usr/lib/bootstage"}

// ConfigPathEnv names the environment variable that replaces the search
// path: colon-separated directories, highest priority first.
const ConfigPathEnv = "BOOTSTAGE_CONFIG_PATH"

// SearchPath is BOOTSTAGE_CONFIG_PATH (colon-separated) when set, else
// DefaultSearchPath.
func SearchPath() []string {
	if v := os.Getenv(ConfigPathEnv); v != "" {
		return SplitPath(v)
	}
	return DefaultSearchPath
}

// SplitPath splits a colon-separated list of directories, dropping empty
// entries ("/a::/b" is /a and /b).
func SplitPath(v string) []string {
	var dirs []string
	for _, d := range strings.Split(v, ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Tree reads the configuration in dirs for the node called hostname;
// checks add what the runtimes know of their components.
func Tree(dirs []string, hostname string, checks ...config.RuntimeCheck) (*config.Tree, config.Problems) {
	dirs = absolute(dirs)
	var problems config.Problems
	stages, stagesFile, stageProblems := loadStages(dirs)
	problems = append(problems, stageProblems...)
	// Resources first: services are checked against them.
	res, resProblems := loadResources(dirs)
	problems = append(problems, resProblems...)
	tree := &config.Tree{Resources: res}
	files, hasDropIns, listProblems := kindFiles(dirs, "services")
	problems = append(problems, listProblems...)
	names := sortedKeys(files)
	var valid []*config.Service // on every node, active or not: routes are allocated over all
	for i, r := range loadAll(dirs, names, files, hasDropIns, stages, checks, &tree.Resources) {
		name, file, svc, ps := names[i], files[names[i]], r.svc, r.problems
		problems = append(problems, ps...)
		if svc != nil {
			valid = append(valid, svc)
		}
		switch {
		case svc == nil:
			tree.Broken = append(tree.Broken, &config.Broken{Name: name, Stage: r.brokenStage, Source: file, Errors: asErrors(ps)})
		case !svc.Active:
			tree.Inactive = append(tree.Inactive, name)
		case len(svc.Nodes) > 0 && !slices.Contains(svc.Nodes, hostname):
			tree.Skipped = append(tree.Skipped, name)
		default:
			tree.Services = append(tree.Services, svc)
		}
	}
	var nodeProblems config.Problems
	tree.Node, nodeProblems = loadNode(dirs)
	problems = append(problems, nodeProblems...)
	problems = append(problems, config.AllocateRoutes(valid, tree.Node.Routes)...)
	if stages == nil {
		tree.BrokenStages = &config.Broken{Source: stagesFile, Errors: asErrors(stageProblems)}
		problems.Sort()
		return tree, problems
	}
	tree.Stages = stages.List
	for _, s := range tree.Services {
		st := stages.Lookup(s.Stage)
		st.Services = append(st.Services, s)
	}
	problems = append(problems, unknownMembers(stages, files)...)
	problems.Sort()
	return tree, problems
}

// loaded is what reading one service file gave.
type loaded struct {
	svc         *config.Service
	problems    config.Problems
	brokenStage string // where a broken service's failing unit stands
}

// loadAll reads and checks the service files of names on GOMAXPROCS
// workers: parsing TOML is most of a generator run. Results are indexed
// like names, whatever order the workers finish in, so the output does
// not depend on scheduling. Files are independent, and stages and checks
// are only read.
func loadAll(dirs, names []string, files map[string]string, hasDropIns map[string]bool, stages *Stages, checks []config.RuntimeCheck, res *config.Resources) []loaded {
	out := make([]loaded, len(names))
	parallel.For(len(names), func(i int) {
		var drops []string
		if hasDropIns[names[i]] {
			drops = dropIns(dirs, "services", names[i])
		}
		out[i] = loadOne(names[i], files[names[i]], drops, stages, checks, res)
	})
	return out
}

// loadOne reads one service file and its drop-ins. An internal error (a
// panic) in reading it is that file's problem: the file is broken, the
// others load.
func loadOne(name, file string, drops []string, stages *Stages, checks []config.RuntimeCheck, res *config.Resources) (r loaded) {
	var src string
	err := parallel.Catch(func() {
		src, r.svc, r.problems = loadService(name, file, drops, stages, checks, res)
	})
	if err != nil {
		r.svc, r.problems = nil, config.Problems{config.InternalError(file, err)}
	}
	if r.svc == nil {
		r.brokenStage = brokenStage(src, name, stages)
	}
	return r
}

// loadStages reads the stages.toml that wins in dirs and returns it with
// its name ("" when there is none). A broken stages.toml returns nil
// stages: without it no service knows its place in the boot order.
func loadStages(dirs []string) (*Stages, string, config.Problems) {
	for _, d := range dirs {
		file := filepath.Join(d, "stages.toml")
		src, err := readSmall(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, file, config.Problems{{File: file, Msg: err.Error()}}
		}
		st, ps := ParseStages(file, src)
		return st, file, ps
	}
	return DefaultStages(), "", nil
}

// kindFiles maps each name of one kind (the folder: "services",
// "networks", ...) to the file that wins for it across dirs: a file in an
// earlier directory hides one of the same name below, and a file that is a
// symlink to /dev/null masks the name, as in systemd.
//
// Names with a NAME.toml.d directory in any of dirs are marked in
// hasDropIns, so that only those are looked for drop-ins.
func kindFiles(dirs []string, kind string) (files map[string]string, hasDropIns map[string]bool, problems config.Problems) {
	files, hasDropIns = map[string]string{}, map[string]bool{}
	masked := map[string]bool{}
	for _, d := range dirs {
		entries, err := os.ReadDir(filepath.Join(d, kind))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, config.Problem{File: filepath.Join(d, kind), Msg: err.Error()})
		}
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".toml.d"); ok && e.IsDir() {
				hasDropIns[name] = true
				continue
			}
			name, ok := strings.CutSuffix(e.Name(), ".toml")
			if !ok || e.IsDir() || files[name] != "" || masked[name] {
				continue
			}
			file := filepath.Join(d, kind, e.Name())
			if e.Type()&fs.ModeSymlink != 0 && isDevNull(file) {
				masked[name] = true
				continue
			}
			files[name] = file
		}
	}
	return files, hasDropIns, problems
}

// loadService reads and checks one service file with its drop-ins; src is
// what it read of it, "" when nothing.
func loadService(name, file string, drops []string, stages *Stages, checks []config.RuntimeCheck, res *config.Resources) (src string, svc *config.Service, ps config.Problems) {
	if stages == nil {
		return "", nil, config.Problems{{File: file, Msg: "not generated: stages.toml is invalid, so this service's place in the boot order is unknown"}}
	}
	src, err := readSmall(file)
	if !config.ValidName(name) {
		return src, nil, config.Problems{{File: file, Msg: fmt.Sprintf("invalid service name %q", name), Hint: config.NameHint + ": rename the file"}}
	}
	if err != nil {
		return "", nil, config.Problems{{File: file, Msg: err.Error()}}
	}
	svc, ps = parseService(file, src, drops, stages, checks, res)
	return src, svc, ps
}

// brokenStage makes a best effort to place a broken service in its stage,
// from the source read of it, so that its failing unit stands where the
// operator looks for it.
func brokenStage(src, name string, stages *Stages) string {
	if stages == nil {
		return ""
	}
	if s := stages.member[name]; s != "" {
		return s
	}
	if m := stageLine.FindStringSubmatch(src); m != nil && stages.Lookup(m[1]) != nil {
		return m[1]
	}
	if stages.File == "" {
		return stages.List[0].Name
	}
	return ""
}

// stageLine finds `stage = "core"` even in a file TOML cannot parse.
var stageLine = regexp.MustCompile(`(?m)^\s*stage\s*=\s*["']([^"'\n]+)["']`)

// absolute makes relative directories (BOOTSTAGE_CONFIG_PATH=contrib/...)
// absolute: file names end up in SourcePath=, which systemd ignores unless
// absolute.
func absolute(dirs []string) []string {
	out := make([]string, len(dirs))
	for i, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		out[i] = d
	}
	return out
}

func isDevNull(file string) bool {
	t, _ := os.Readlink(file)
	return t == "/dev/null"
}

// readSmall reads a file of a few kilobytes in three system calls (open,
// read, close) where os.ReadFile takes five: at a thousand services, the
// generator's start at boot is mostly system calls. It reads into a pooled
// buffer and returns an exact copy. A read of a regular file that returns
// less than asked for has reached the end of it. It reads no more than
// one byte past maxFileSize, which parse then refuses: a file can be
// /dev/zero. It does not wait for a writer to a FIFO.
func readSmall(file string) (string, error) {
	fd, err := syscall.Open(file, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: file, Err: err}
	}
	defer syscall.Close(fd)
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	buf := (*bp)[:0]
	for {
		n, err := syscall.Read(fd, buf[len(buf):min(cap(buf), maxFileSize+1)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "read", Path: file, Err: err}
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) < cap(buf) || len(buf) > maxFileSize {
			*bp = buf
			return string(buf), nil
		}
		buf = append(buf, 0)[:len(buf)] // full: grow and read on
	}
}

var readBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func unknownMembers(stages *Stages, files map[string]string) config.Problems {
	var ps config.Problems
	for _, svc := range sortedKeys(stages.member) {
		if files[svc] == "" {
			ps = append(ps, config.Problem{File: stages.File, Warning: true,
				Msg: fmt.Sprintf("stage %q lists service %q, which has no file", stages.member[svc], svc)})
		}
	}
	return ps
}

func asErrors(ps config.Problems) []error {
	out := make([]error, len(ps))
	for i := range ps {
		out[i] = ps[i]
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
