package vm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bootstage/bootstage/internal/atomicfs"
)

// PrepareOptions are the flags of `bootstage vm prepare`, which VM units
// with an image source run as a privileged ExecStartPre=.
type PrepareOptions struct {
	Podman string // --podman: absolute path of podman
	Image  string // --image: the OCI image, in local podman storage
	Path   string // --path: the file inside the image (image_path)
	Link   string // --link: the symlink ExecStart= boots from
	Nanos  bool   // --nanos: Path is an ELF to build with ops
	Ops    string // --ops: absolute path of ops (with --nanos)
	// Cache is the cache folder; "" means CacheDir. For tests.
	Cache string
}

var imageID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Prepare makes the boot disk of an image-sourced VM: it resolves the image
// to its ID, copies Path out of it into Cache/ID/ unless an earlier start
// already did (so an unchanged image is never extracted twice; a new image
// gets a new ID and a new copy), builds it with ops for Nanos, and points
// Link at the result. It returns the cached file. Files land complete or
// not at all (temporary name, then rename), so concurrent starts of units
// sharing an image are safe. Old image IDs are not removed.
func Prepare(ctx context.Context, o PrepareOptions) (string, error) {
	if o.Cache == "" {
		o.Cache = qemu.CacheDir
	}
	if !path.IsAbs(o.Path) || !path.IsAbs(o.Link) {
		return "", fmt.Errorf("preparing %s: --path and --link must be absolute", o.Image)
	}
	out, err := run(ctx, nil, o.Podman, "image", "inspect", "--format", "{{.Id}}", o.Image)
	if err != nil {
		return "", fmt.Errorf("finding image %s in local podman storage: %w", o.Image, err)
	}
	id := strings.TrimPrefix(strings.TrimSpace(out), "sha256:")
	if !imageID.MatchString(id) {
		return "", fmt.Errorf("finding image %s: podman answered %q, not an image ID", o.Image, out)
	}
	dir := filepath.Join(o.Cache, id)
	if err := mkdirReadable(dir); err != nil {
		return "", fmt.Errorf("preparing %s: %w", o.Image, err)
	}
	file := filepath.Join(dir, cacheKey(o.Path))
	if err := cached(file, func(tmp string) error { return extract(ctx, o, tmp) }); err != nil {
		return "", err
	}
	if o.Nanos {
		elf := file
		file += ".nanos.img"
		build := func(tmp string) error { return buildNanos(ctx, o.Ops, elf, "bootstage-"+id[:16], tmp) }
		if err := cached(file, build); err != nil {
			return "", err
		}
	}
	return file, atomicfs.Symlink(file, o.Link)
}

// mkdirReadable makes dir and its missing parents with mode 0755 whatever
// the umask (units run with UMask=0077, and this runs as their
// ExecStartPre): the VM's dynamic user must reach the files inside.
func mkdirReadable(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirReadable(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// cacheKey names the copy of inside in its image's folder: readable, and
// distinct for distinct paths.
func cacheKey(inside string) string {
	sum := sha256.Sum256([]byte(inside))
	return hex.EncodeToString(sum[:6]) + "-" + path.Base(inside)
}

// cached makes file with produce(tmp) unless it exists; produce writes tmp, which
// is renamed into place only when complete.
func cached(file string, produce func(tmp string) error) error {
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	tmp := fmt.Sprintf("%s.tmp%d", file, os.Getpid())
	defer os.Remove(tmp)
	if err := produce(tmp); err != nil {
		return err
	}
	// The VM runs as a dynamic user: the file must be readable by all.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// extract copies o.Path out of the image through a container that is
// created, never started, and removed.
func extract(ctx context.Context, o PrepareOptions, dst string) error {
	out, err := run(ctx, nil, o.Podman, "create", "--pull=never", o.Image, "/bootstage-never-started")
	if err != nil {
		return fmt.Errorf("extracting %s from %s: %w", o.Path, o.Image, err)
	}
	cid := strings.TrimSpace(out)
	defer run(context.WithoutCancel(ctx), nil, o.Podman, "rm", "--force", cid)
	if _, err := run(ctx, nil, o.Podman, "cp", cid+":"+o.Path, dst); err != nil {
		return fmt.Errorf("extracting %s from %s: %w", o.Path, o.Image, err)
	}
	st, err := os.Stat(dst)
	if err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("extracting %s from %s: not a regular file", o.Path, o.Image)
	}
	return nil
}

// buildNanos builds elf into a bootable Nanos disk at dst with `ops build`,
// which writes OPS_HOME/images/NAME.img (OPS_HOME: ~/.ops, where ops also
// keeps the Nanos kernel it was installed with).
func buildNanos(ctx context.Context, ops, elf, name, dst string) error {
	if ops == "" {
		return errors.New("building a Nanos image: ops is not installed")
	}
	home := os.Getenv("HOME")
	if u, err := user.Current(); home == "" && err == nil {
		home = u.HomeDir
	}
	env := append(os.Environ(), "HOME="+home)
	if _, err := run(ctx, env, ops, "build", elf, "-i", name); err != nil {
		return fmt.Errorf("building a Nanos image of %s: %w", elf, err)
	}
	built := filepath.Join(home, ".ops", "images", name+".img")
	if err := os.Rename(built, dst); err != nil {
		return fmt.Errorf("building a Nanos image of %s: %w", elf, err)
	}
	return nil
}

// run runs a command and returns its stdout; its stderr becomes the error.
func run(ctx context.Context, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%s %s: %w: %s", filepath.Base(name), args[0], err, msg)
		}
		return "", fmt.Errorf("%s %s: %w", filepath.Base(name), args[0], err)
	}
	return stdout.String(), nil
}
