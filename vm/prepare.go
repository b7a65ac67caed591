package vm

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/bootstage/bootstage/internal/atomicfs"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

// PrepareOptions are the flags of `bootstage vm prepare`, which VM units
// with an image source run as a privileged ExecStartPre=.
type PrepareOptions struct {
	Podman string // --podman: absolute path of podman
	Image  string // --image: the OCI image, in local podman storage
	Path   string // --path: the file inside the image (image_path)
	Link   string // --link: the symlink ExecStart= boots from
	// Cache is the cache folder; "" means qemu.CacheDir. For tests.
	Cache string
}

// Prepare makes the boot disk of an image-sourced VM: it resolves the image
// to its ID, copies Path out of it into Cache/ID/ unless an earlier start
// already did (see imageFiles), and points Link at the copy, which it
// returns. Files land complete or not at all (temporary name, then
// rename), so concurrent starts of units sharing an image are safe. Old
// image IDs are not removed.
func Prepare(ctx context.Context, o PrepareOptions) (string, error) {
	if o.Cache == "" {
		o.Cache = qemu.CacheDir
	}
	if !path.IsAbs(o.Path) || !path.IsAbs(o.Link) {
		return "", fmt.Errorf("preparing %s: --path and --link must be absolute", o.Image)
	}
	img, err := inspectImage(ctx, o.Podman, o.Image)
	if err != nil {
		return "", err
	}
	files, err := openImageFiles(o.Podman, o.Image, o.Cache, img.ID, false)
	if err != nil {
		return "", err
	}
	defer files.close(ctx)
	file, err := files.file(ctx, o.Path)
	if err != nil {
		return "", err
	}
	return file, atomicfs.Symlink(file, o.Link)
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
