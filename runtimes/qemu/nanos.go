package qemu

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
)

// FindNanos finds Nanos's kernel, boot loader and mkfs: each where
// bootstage.toml's [unikernel] names it, else in the first of
// config.NanosDirs that has it. exists reports whether a file is there (a
// stat: the generator reads nothing at boot). What it cannot find is in
// Missing, and its paths stay those it would have used.
func FindNanos(s config.NanosFiles, exists func(string) bool) runtimes.Nanos {
	var n runtimes.Nanos
	var missing []string
	for _, f := range []struct {
		set  config.Setting
		name string
		out  *string
	}{
		{s.Kernel, config.NanosKernel, &n.Kernel},
		{s.Boot, config.NanosBoot, &n.Boot},
		{s.Mkfs, config.NanosMkfs, &n.Mkfs},
	} {
		if f.set.Value != "" {
			*f.out = f.set.Value
			if !exists(f.set.Value) {
				missing = append(missing, fmt.Sprintf("%s (set at %s) does not exist", f.set.Value, f.set.At))
			}
			continue
		}
		*f.out = path.Join(config.NanosDirs[0], f.name)
		found := false
		for _, d := range config.NanosDirs {
			if p := path.Join(d, f.name); exists(p) {
				*f.out, found = p, true
				break
			}
		}
		if !found {
			missing = append(missing, f.name+" is in neither "+strings.Join(config.NanosDirs, " nor "))
		}
	}
	n.Missing = strings.Join(missing, "; ")
	return n
}

// nanosHint says how to provide Nanos's files.
func nanosHint() string {
	return "install Nanos's " + config.NanosKernel + ", " + config.NanosBoot + " and " + config.NanosMkfs +
		" in " + config.NanosDirs[0] + ", or name them in bootstage.toml: [unikernel] kernel, boot, mkfs"
}

// NanosBuild is what a unikernel's unit tells `bootstage vm prepare
// --nanos` (vm.PrepareNanos) to build before qemu starts: an image of the
// program with its arguments, environment and volumes, made with the
// node's Nanos files in the unit's state directory. Flags writes it as the
// command line, ParseNanosBuild reads it back.
type NanosBuild struct {
	State              string // the unit's StateDirectory: images are built and kept there
	Kernel, Boot, Mkfs string // Nanos's files

	// The program: a static ELF on the host, or an ELF in an OCI image.
	Program string // the host's ELF; or
	Podman  string // with Image: the podman that reads it
	Image   string // the image the ELF is in,
	Path    string // at this path in the image; "" for its entrypoint

	Args []string // the program's arguments after argv[0]
	// ImageCmd takes the arguments from the image's CMD, as podman would:
	// for an entrypoint when the component sets no cmd.
	ImageCmd bool
	Env      []config.EnvVar
	Mounts   []Mount
}

// NanosBuildOf is what the unit of component c, a unikernel, on host h
// builds: the unit's ExecStartPre= says it, and `bootstage plan` asks
// whether the image it would make is the one built last.
func NanosBuildOf(unit string, c *config.Component, h runtimes.Host) NanosBuild {
	b := NanosBuild{State: StatePath(unit), Kernel: h.Nanos.Kernel, Boot: h.Nanos.Boot, Mkfs: h.Nanos.Mkfs,
		Program: c.Program, Image: c.Image, Path: c.ImagePath, Args: c.Cmd, Env: c.Env,
		ImageCmd: c.Image != "" && c.ImagePath == "" && c.Cmd == nil}
	if c.Image != "" {
		b.Podman = h.Podman
	}
	for i, v := range c.Volumes {
		b.Mounts = append(b.Mounts, Mount{Tag: i, Path: v.Container, ReadOnly: hasOption(v.Options, "ro")})
	}
	return b
}

// The command line of `bootstage vm prepare --nanos`: a flag and its
// value, repeated flags for lists.
const (
	flagState      = "--state"
	flagKernel     = "--kernel"
	flagBoot       = "--boot"
	flagMkfs       = "--mkfs"
	flagProgram    = "--program"
	flagPodman     = "--podman"
	flagImage      = "--image"
	flagPath       = "--path"
	flagEntrypoint = "--entrypoint" // no value: the image's entrypoint is the program
	flagImageCmd   = "--image-cmd"  // no value
	flagArg        = "--arg"
	flagEnv        = "--env"
	flagMount      = "--mount" // TAG:PATH or TAG:PATH:ro
	// NanosFlag, first after `bootstage vm prepare`, says the rest is a
	// NanosBuild.
	NanosFlag = "--nanos"
)

// Flags is b as the words after `bootstage vm prepare --nanos`, one group
// per line of the unit. Every value is a word of its own, so no value is
// ever taken for a flag.
func (b NanosBuild) Flags() [][]string {
	g := [][]string{{flagState, b.State}, {flagKernel, b.Kernel}, {flagBoot, b.Boot}, {flagMkfs, b.Mkfs}}
	if b.Program != "" {
		g = append(g, []string{flagProgram, b.Program})
	} else {
		g = append(g, []string{flagPodman, b.Podman}, []string{flagImage, b.Image})
		if b.Path != "" {
			g = append(g, []string{flagPath, b.Path})
		} else {
			g = append(g, []string{flagEntrypoint})
		}
	}
	if b.ImageCmd {
		g = append(g, []string{flagImageCmd})
	}
	for _, a := range b.Args {
		g = append(g, []string{flagArg, a})
	}
	for _, e := range b.Env {
		g = append(g, []string{flagEnv, e.Key + "=" + e.Value})
	}
	for _, m := range b.Mounts {
		s := strconv.Itoa(m.Tag) + ":" + m.Path
		if m.ReadOnly {
			s += ":ro"
		}
		g = append(g, []string{flagMount, s})
	}
	return g
}

// ParseNanosBuild reads the words after `bootstage vm prepare --nanos`.
func ParseNanosBuild(args []string) (NanosBuild, error) {
	var b NanosBuild
	entrypoint := false
	strs := map[string]*string{flagState: &b.State, flagKernel: &b.Kernel, flagBoot: &b.Boot, flagMkfs: &b.Mkfs,
		flagProgram: &b.Program, flagPodman: &b.Podman, flagImage: &b.Image, flagPath: &b.Path}
	for i := 0; i < len(args); i++ {
		flag := args[i]
		switch flag {
		case flagEntrypoint:
			entrypoint = true
			continue
		case flagImageCmd:
			b.ImageCmd = true
			continue
		}
		if i+1 >= len(args) {
			return b, fmt.Errorf("%s needs a value", flag)
		}
		i++
		v := args[i]
		switch flag {
		case flagArg:
			b.Args = append(b.Args, v)
		case flagEnv:
			k, val, ok := strings.Cut(v, "=")
			if !ok {
				return b, fmt.Errorf("%s %q: expected KEY=VALUE", flag, v)
			}
			b.Env = append(b.Env, config.EnvVar{Key: k, Value: val})
		case flagMount:
			m, err := parseMount(v)
			if err != nil {
				return b, err
			}
			b.Mounts = append(b.Mounts, m)
		default:
			p, ok := strs[flag]
			if !ok {
				return b, fmt.Errorf("unknown flag %q", flag)
			}
			*p = v
		}
	}
	return b, b.check(entrypoint)
}

func parseMount(v string) (Mount, error) {
	tag, p, ok := strings.Cut(v, ":")
	n, err := strconv.Atoi(tag)
	if !ok || err != nil || n < 0 || !path.IsAbs(p) {
		return Mount{}, fmt.Errorf("%s %q: expected TAG:PATH[:ro], TAG a number", flagMount, v)
	}
	m := Mount{Tag: n, Path: p}
	if s, ro := strings.CutSuffix(p, ":ro"); ro {
		m.Path, m.ReadOnly = s, true
	}
	return m, nil
}

// check says what a parsed build lacks.
func (b NanosBuild) check(entrypoint bool) error {
	var missing []string
	for flag, v := range map[string]string{flagState: b.State, flagKernel: b.Kernel, flagBoot: b.Boot, flagMkfs: b.Mkfs} {
		if v == "" {
			missing = append(missing, flag)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	switch {
	case b.Program != "" && b.Image != "":
		return errors.New("--program and --image exclude each other")
	case b.Program == "" && b.Image == "":
		return errors.New("the program comes from --program or --image")
	case b.Image != "" && b.Podman == "":
		return errors.New("--image needs --podman")
	case b.Image != "" && (b.Path == "") != entrypoint:
		return errors.New("--image needs exactly one of --path and --entrypoint")
	case b.ImageCmd && (b.Path != "" || b.Image == "" || len(b.Args) > 0):
		return errors.New("--image-cmd is for an --entrypoint without --arg")
	}
	return nil
}

// GuestPath is where the program is in the image, when the build says:
// its path on the host or in its OCI image. "" for an entrypoint, which
// only the image knows.
func (b NanosBuild) GuestPath() string {
	if b.Program != "" {
		return b.Program
	}
	return b.Path
}

// Run is the program the build runs, as a path in the image, and its
// whole argv (argv[0] first), given the image's entrypoint and CMD (unused
// unless the build takes its program from the entrypoint).
func (b NanosBuild) Run(entrypoint, cmd []string) (string, []string, error) {
	guest, args := b.GuestPath(), b.Args
	if guest == "" {
		if len(entrypoint) == 0 {
			return "", nil, fmt.Errorf("image %s has no entrypoint: set image_path to its program", b.Image)
		}
		guest = entrypoint[0]
		if !path.IsAbs(guest) {
			return "", nil, fmt.Errorf("the entrypoint of image %s is %q, not an absolute path: set image_path to its program", b.Image, guest)
		}
		tail := b.Args
		if b.ImageCmd {
			tail = cmd
		}
		args = append(append([]string{}, entrypoint[1:]...), tail...)
	}
	return guest, append([]string{path.Base(guest)}, args...), nil
}

// BuildFile is where the build folder (mkfs's working directory) holds the
// file that is at guest in the image: its files/ tree mirrors the image.
func BuildFile(guest string) ManifestFile {
	return ManifestFile{Path: guest, Host: "files" + guest}
}

// Manifest is the manifest of the build, whose program (Run) is guest
// with argv, and whose root filesystem holds files.
func (b NanosBuild) Manifest(guest string, argv []string, files []ManifestFile) Manifest {
	return Manifest{Program: guest, Args: argv, Env: b.Env, Files: files, Mounts: b.Mounts}
}
