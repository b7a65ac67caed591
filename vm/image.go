package vm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// imageInfo is what podman says of a local image.
type imageInfo struct {
	ID         string
	Entrypoint []string
	Cmd        []string
}

var imageID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// inspectImage asks podman for image's ID, entrypoint and command. The
// image must be in local storage: nothing is pulled here.
func inspectImage(ctx context.Context, podman, image string) (imageInfo, error) {
	out, err := run(ctx, nil, podman, "image", "inspect", image)
	if err != nil {
		return imageInfo{}, fmt.Errorf("finding image %s in local podman storage: %w", image, err)
	}
	var list []struct {
		ID     string `json:"Id"`
		Config struct {
			Entrypoint []string
			Cmd        []string
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		return imageInfo{}, fmt.Errorf("finding image %s: podman answered %q, not one image", image, strings.TrimSpace(out))
	}
	id := strings.TrimPrefix(list[0].ID, "sha256:")
	if !imageID.MatchString(id) {
		return imageInfo{}, fmt.Errorf("finding image %s: podman answered %q, not an image ID", image, list[0].ID)
	}
	return imageInfo{ID: id, Entrypoint: list[0].Config.Entrypoint, Cmd: list[0].Config.Cmd}, nil
}

// errNotInImage is a file the image does not have.
var errNotInImage = errors.New("no such file in the image")

// errNotExtracted is a file that no start has copied out of the image yet:
// what a lookup without copying (plan) cannot know more of.
var errNotExtracted = errors.New("not copied out of the image yet")

// imageFiles copies files out of one image into its folder of the cache,
// Cache/ID, once per image ID and path: an unchanged image is never read
// twice, a new image gets a new ID and new copies. The copies are made
// through a helper container, created (never started) at the first copy
// and removed by close. With lookup set it copies nothing and only finds
// what earlier starts copied.
type imageFiles struct {
	podman, image string
	dir           string // Cache/ID
	lookup        bool
	cid           string
}

func openImageFiles(podman, image, cache, id string, lookup bool) (*imageFiles, error) {
	x := &imageFiles{podman: podman, image: image, dir: filepath.Join(cache, id), lookup: lookup}
	if lookup {
		return x, nil
	}
	if err := mkdirReadable(x.dir); err != nil {
		return nil, fmt.Errorf("preparing %s: %w", image, err)
	}
	return x, nil
}

// file returns the copy of inside, making it unless an earlier start did.
// A file the image lacks is errNotInImage.
func (x *imageFiles) file(ctx context.Context, inside string) (string, error) {
	if !path.IsAbs(inside) {
		return "", fmt.Errorf("extracting %s from %s: not an absolute path", inside, x.image)
	}
	file := filepath.Join(x.dir, cacheKey(inside))
	if x.lookup {
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("%s of %s: %w", inside, x.image, errNotExtracted)
		}
		return file, nil
	}
	err := cached(file, func(tmp string) error { return x.copy(ctx, inside, tmp) })
	return file, err
}

// copy copies inside to dst through the helper container. podman follows
// symbolic links inside the image, absolute ones included.
func (x *imageFiles) copy(ctx context.Context, inside, dst string) error {
	if x.cid == "" {
		out, err := run(ctx, nil, x.podman, "create", "--pull=never", x.image, "/bootstage-never-started")
		if err != nil {
			return fmt.Errorf("extracting %s from %s: %w", inside, x.image, err)
		}
		x.cid = strings.TrimSpace(out)
	}
	if _, err := run(ctx, nil, x.podman, "cp", x.cid+":"+inside, dst); err != nil {
		if strings.Contains(err.Error(), "no such file or directory") {
			return fmt.Errorf("extracting %s from %s: %w", inside, x.image, errNotInImage)
		}
		return fmt.Errorf("extracting %s from %s: %w", inside, x.image, err)
	}
	st, err := os.Stat(dst)
	if err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("extracting %s from %s: not a regular file", inside, x.image)
	}
	return nil
}

// close removes the helper container, if one was made.
func (x *imageFiles) close(ctx context.Context) {
	if x.cid != "" {
		run(context.WithoutCancel(ctx), nil, x.podman, "rm", "--force", x.cid)
		x.cid = ""
	}
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
	defer os.RemoveAll(tmp)
	if err := produce(tmp); err != nil {
		return err
	}
	// The VM runs as a dynamic user: the file must be readable by all.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
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
