package vm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/internal/atomicfs"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

// nanosRecipe heads the digest of an image's inputs: it changes when the
// way an image is made from them does (mkfs's flags, the manifest's
// layout), so that every image is rebuilt then.
const nanosRecipe = "bootstage nanos image 1"

// NanosResult is what PrepareNanos did.
type NanosResult struct {
	Image  string // the image qemu boots, in the state directory
	Digest string // of everything it was made from
	Built  bool   // false: the image built last from the same inputs was reused
}

// PrepareNanos makes the image of a unikernel (qemu.NanosBuild) before
// qemu starts: it finds the program (on the host, or copied out of its OCI
// image once per image ID, as Prepare does), checks that it is an x86-64
// ELF whose loader and libraries, if any, are in the image too, writes the
// manifest, and runs Nanos's mkfs, unless the state directory already
// holds the image of the very same inputs (the program and its libraries,
// the manifest, Nanos's kernel, boot loader and mkfs, by digest). Then it
// points State/nanos.img at the image and removes older ones. The image
// is written under a temporary name and renamed into place complete, so a
// start never sees half of one. cache is where image files are copied to
// ("" for qemu.CacheDir).
func PrepareNanos(ctx context.Context, b qemu.NanosBuild, cache string) (NanosResult, error) {
	in, err := gatherNanos(ctx, b, cache, false)
	if err != nil {
		return NanosResult{}, err
	}
	if err := os.MkdirAll(b.State, 0o700); err != nil {
		return NanosResult{}, fmt.Errorf("building the Nanos image: %w", err)
	}
	name := in.name()
	res := NanosResult{Image: filepath.Join(b.State, name+".img"), Digest: in.digest}
	if _, err := os.Stat(res.Image); err != nil {
		if err := makeNanos(ctx, b, in, name); err != nil {
			return NanosResult{}, err
		}
		res.Built = true
	}
	if err := atomicfs.Symlink(name+".img", filepath.Join(b.State, qemu.NanosImageName)); err != nil {
		return NanosResult{}, err
	}
	pruneNanos(b.State, name)
	return res, nil
}

// NanosPlan says whether a unikernel's next start builds a new image.
type NanosPlan struct {
	Rebuild bool
	Reason  string // why it is rebuilt; "" when it is not
}

// PlanNanos compares the inputs of the image b describes with the record
// of the image built last in b.State, copying nothing out of any image:
// a program not copied out yet is a rebuild.
func PlanNanos(ctx context.Context, b qemu.NanosBuild, cache string) (NanosPlan, error) {
	in, err := gatherNanos(ctx, b, cache, true)
	if errors.Is(err, errNotExtracted) {
		return NanosPlan{Rebuild: true, Reason: "image " + b.Image + " has not been prepared on this node"}, nil
	}
	if err != nil {
		return NanosPlan{}, err
	}
	target, err := os.Readlink(filepath.Join(b.State, qemu.NanosImageName))
	if err != nil {
		return NanosPlan{Rebuild: true, Reason: "no image has been built yet"}, nil
	}
	if target == in.name()+".img" {
		if _, err := os.Stat(filepath.Join(b.State, target)); err == nil {
			return NanosPlan{}, nil
		}
	}
	last, err := readRecord(filepath.Join(b.State, strings.TrimSuffix(target, ".img")+".json"))
	if err != nil {
		return NanosPlan{Rebuild: true, Reason: "the image built last has no record"}, nil
	}
	return NanosPlan{Rebuild: true, Reason: in.changedFrom(last)}, nil
}

// nanosInputs are what an image is made of, each with its digest.
type nanosInputs struct {
	Manifest string      `json:"manifest"` // as mkfs reads it
	Files    []nanosFile `json:"files"`    // the program, its loader and libraries, then Nanos's files
	digest   string
}

// nanosFile is one file an image is made of.
type nanosFile struct {
	Role   string `json:"role"` // "program /path/in/image", "library ...", "kernel", "boot", "mkfs"
	Path   string `json:"path"` // on this host
	SHA256 string `json:"sha256"`
	guest  string // where it is in the image; "" for Nanos's own files
}

// name is the file name (without extension) of the image of in.
func (in *nanosInputs) name() string { return "nanos-" + in.digest[:32] }

// gatherNanos finds and digests everything the image of b is made of.
// With lookup, files of an OCI image are only found where an earlier start
// copied them (errNotExtracted otherwise).
func gatherNanos(ctx context.Context, b qemu.NanosBuild, cache string, lookup bool) (*nanosInputs, error) {
	if cache == "" {
		cache = qemu.CacheDir
	}
	prog, err := findProgram(ctx, b, cache, lookup)
	if err != nil {
		return nil, err
	}
	for _, f := range prog.files {
		for _, m := range b.Mounts {
			if f.guest == m.Path || strings.HasPrefix(f.guest, strings.TrimSuffix(m.Path, "/")+"/") {
				return nil, fmt.Errorf("the volume mounted at %s would hide %s, which %s needs", m.Path, f.guest, prog.guest)
			}
		}
	}
	in := &nanosInputs{Files: prog.files}
	for _, f := range []struct{ role, path, name string }{
		{"kernel", b.Kernel, config.NanosKernel}, {"boot", b.Boot, config.NanosBoot}, {"mkfs", b.Mkfs, config.NanosMkfs},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return nil, fmt.Errorf("Nanos's %s: %w (install Nanos's %s, %s and %s)", f.name, err,
				config.NanosKernel, config.NanosBoot, config.NanosMkfs)
		}
		in.Files = append(in.Files, nanosFile{Role: f.role, Path: f.path})
	}
	var files []qemu.ManifestFile
	for i := range in.Files {
		f := &in.Files[i]
		if f.SHA256, err = fileSHA256(f.Path); err != nil {
			return nil, err
		}
		if f.guest != "" {
			files = append(files, qemu.BuildFile(f.guest))
		}
	}
	in.Manifest = b.Manifest(prog.guest, prog.argv, files).Text()
	h := sha256.New()
	fmt.Fprintf(h, "%s\nmanifest %s\n", nanosRecipe, textSHA256(in.Manifest))
	for _, f := range in.Files {
		fmt.Fprintf(h, "%s %s\n", f.Role, f.SHA256)
	}
	in.digest = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// program is the program of a unikernel as found.
type program struct {
	guest string      // its path in the image
	argv  []string    // argv[0] first
	files []nanosFile // it, then its loader and libraries
}

// findProgram finds the program of b, on the host or in its image, with
// its whole argv, and checks it can run.
func findProgram(ctx context.Context, b qemu.NanosBuild, cache string, lookup bool) (program, error) {
	if b.Program != "" {
		needs, err := readELF(b.Program, b.Program, true)
		if err != nil {
			return program{}, err
		}
		if needs.dynamic() {
			return program{}, fmt.Errorf("%s is dynamically linked (%s); a program on the host must be static: build it with CGO_ENABLED=0 or -static, or take it from an image that holds its libraries",
				b.Program, needs.describe())
		}
		guest, argv, err := b.Run(nil, nil)
		return program{guest: guest, argv: argv,
			files: []nanosFile{{Role: "program " + guest, Path: b.Program, guest: guest}}}, err
	}
	img, err := inspectImage(ctx, b.Podman, b.Image)
	if err != nil {
		return program{}, err
	}
	guest, argv, err := b.Run(img.Entrypoint, img.Cmd)
	if err != nil {
		return program{}, err
	}
	files, err := openImageFiles(b.Podman, b.Image, cache, img.ID, lookup)
	if err != nil {
		return program{}, err
	}
	defer files.close(ctx)
	host, err := files.file(ctx, guest)
	if errors.Is(err, errNotInImage) {
		return program{}, fmt.Errorf("image %s has no file %s", b.Image, guest)
	}
	if err != nil {
		return program{}, err
	}
	needs, err := readELF(host, guest, true)
	if err != nil {
		return program{}, err
	}
	libs, err := imageLibraries(ctx, files, guest, needs)
	if err != nil {
		return program{}, err
	}
	return program{guest: guest, argv: argv,
		files: append([]nanosFile{{Role: "program " + guest, Path: host, guest: guest}}, libs...)}, nil
}

// describe says how a program is linked, for messages.
func (n elfNeeds) describe() string {
	var parts []string
	if n.interp != "" {
		parts = append(parts, "loader "+n.interp)
	}
	if len(n.needed) > 0 {
		parts = append(parts, "libraries "+strings.Join(n.needed, ", "))
	}
	return strings.Join(parts, "; ")
}

// imageLibraries copies the loader and every shared library a dynamic
// program needs, and those they need, out of its image, searching as the
// loader would: DT_RUNPATH, then libraryDirs. What the image lacks is an
// error that names it.
func imageLibraries(ctx context.Context, files *imageFiles, guest string, needs elfNeeds) ([]nanosFile, error) {
	var out []nanosFile
	var missing []string
	seen := map[string]bool{}  // library names looked for
	added := map[string]bool{} // paths in the image taken
	add := func(inside, role string) (elfNeeds, bool, error) {
		if added[inside] { // the loader, which libc needs by name too
			return elfNeeds{}, true, nil
		}
		host, err := files.file(ctx, inside)
		if errors.Is(err, errNotInImage) {
			return elfNeeds{}, false, nil
		}
		if err != nil {
			return elfNeeds{}, false, err
		}
		n, err := readELF(host, inside, false)
		if err != nil {
			return elfNeeds{}, false, err
		}
		out = append(out, nanosFile{Role: role + " " + inside, Path: host, guest: inside})
		added[inside] = true
		return n, true, nil
	}
	if needs.interp != "" {
		if _, ok, err := add(needs.interp, "loader"); err != nil {
			return nil, err
		} else if !ok {
			missing = append(missing, "its loader "+needs.interp)
		}
	}
	queue := []elfNeeds{needs}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, lib := range n.needed {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			found := false
			for _, dir := range candidates(lib, n.runpath) {
				libNeeds, ok, err := add(dir, "library")
				if err != nil {
					return nil, err
				}
				if ok {
					queue, found = append(queue, libNeeds), true
					break
				}
			}
			if !found {
				missing = append(missing, lib)
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s is dynamically linked, and image %s lacks %s", guest, files.image, strings.Join(missing, ", "))
	}
	return out, nil
}

// candidates are the paths where the loader looks for library lib.
func candidates(lib string, runpath []string) []string {
	if strings.Contains(lib, "/") {
		return []string{lib}
	}
	var out []string
	for _, d := range append(slices.Clone(runpath), libraryDirs...) {
		out = append(out, path.Join(d, lib))
	}
	return out
}

// makeNanos runs mkfs on the manifest of in, in a build folder of the
// state directory whose files/ tree links each file to where it is on the
// host, and renames the image and its record into place.
func makeNanos(ctx context.Context, b qemu.NanosBuild, in *nanosInputs, name string) error {
	dir, err := os.MkdirTemp(b.State, ".build-")
	if err != nil {
		return fmt.Errorf("building the Nanos image: %w", err)
	}
	defer os.RemoveAll(dir)
	for _, f := range in.Files {
		if f.guest == "" {
			continue
		}
		link := filepath.Join(dir, qemu.BuildFile(f.guest).Host)
		if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
			return err
		}
		if err := os.Symlink(f.Path, link); err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, b.Mkfs, "-b", b.Boot, "-k", b.Kernel, "image")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(in.Manifest)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr // stdout: the tree it wrote
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the Nanos image of %s: %s: %w: %s", in.Files[0].Role, b.Mkfs, err, strings.TrimSpace(stderr.String()))
	}
	record, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	// The image last: an image in place always has its record beside it.
	for _, f := range []struct {
		ext  string
		data []byte
	}{{".manifest", []byte(in.Manifest)}, {".json", append(record, '\n')}} {
		if err := os.WriteFile(filepath.Join(dir, "out"+f.ext), f.data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(dir, "out"+f.ext), filepath.Join(b.State, name+f.ext)); err != nil {
			return err
		}
	}
	img := filepath.Join(dir, "image")
	if err := os.Chmod(img, 0o644); err != nil { // the VM's dynamic user reads it
		return err
	}
	return os.Rename(img, filepath.Join(b.State, name+".img"))
}

// pruneNanos removes the images (and records) of state other than keep:
// a unit boots only the one built last.
func pruneNanos(state, keep string) {
	old, _ := filepath.Glob(filepath.Join(state, "nanos-*"))
	for _, f := range old {
		if !strings.HasPrefix(filepath.Base(f), keep+".") {
			os.Remove(f)
		}
	}
}

func readRecord(file string) (*nanosInputs, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var in nanosInputs
	return &in, json.Unmarshal(b, &in)
}

// changedFrom names what differs between the inputs of the image built
// last and in's.
func (in *nanosInputs) changedFrom(last *nanosInputs) string {
	var changed []string
	if in.Manifest != last.Manifest {
		changed = append(changed, "the manifest")
	}
	was := map[string]string{}
	for _, f := range last.Files {
		was[f.Role] = f.SHA256
	}
	for _, f := range in.Files {
		if was[f.Role] != f.SHA256 {
			changed = append(changed, f.Role)
		}
	}
	if len(changed) == 0 {
		return "the way images are built changed"
	}
	return "changed: " + strings.Join(changed, ", ")
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func textSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
