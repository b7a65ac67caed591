package vm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakePodman is a podman that knows one image, localhost/app:1 (ID $ID,
// entrypoint $ENTRYPOINT and command $CMD as JSON), holding the files under
// $IMGROOT, and logs every call to $LOG.
const fakePodman = `#!/bin/sh
echo "$*" >>"$LOG"
case "$1" in
image) [ "$3" = localhost/app:1 ] || { echo "image not known" >&2; exit 125; }
  echo "[{\"Id\": \"$ID\", \"Config\": {\"Entrypoint\": ${ENTRYPOINT:-null}, \"Cmd\": ${CMD:-null}}}]";;
create) echo cid0123;;
cp) src=${2#cid0123:}; [ -f "$IMGROOT$src" ] || { echo "Error: \"$src\" could not be found on container cid0123: no such file or directory" >&2; exit 125; }; cp "$IMGROOT$src" "$3";;
rm) ;;
esac
`

func setupPrepare(t *testing.T, id string) (PrepareOptions, string) {
	dir := t.TempDir()
	podman := filepath.Join(dir, "podman")
	if err := os.WriteFile(podman, []byte(fakePodman), 0o755); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "img")
	if err := os.MkdirAll(filepath.Join(img, "disk"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(img, "disk/app.qcow2"), []byte("QFI\xfbdisk"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "podman.log")
	t.Setenv("LOG", log)
	t.Setenv("ID", id)
	t.Setenv("IMGROOT", img)
	return PrepareOptions{
		Podman: podman, Image: "localhost/app:1", Path: "/disk/app.qcow2",
		Link: filepath.Join(dir, "run/demo-app/boot.qcow2"), Cache: filepath.Join(dir, "cache"),
	}, log
}

func TestPrepareExtractsOncePerImageID(t *testing.T) {
	id := strings.Repeat("ab", 32)
	o, log := setupPrepare(t, id)
	ctx := context.Background()
	defer syscall.Umask(syscall.Umask(0o077)) // as under the unit's UMask=
	file, err := Prepare(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(file, filepath.Join(o.Cache, id)+"/") {
		t.Errorf("cached file %s is not under the image ID's folder", file)
	}
	if target, err := os.Readlink(o.Link); err != nil || target != file {
		t.Errorf("link %s -> %q, %v; want %s", o.Link, target, err, file)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("cached file mode: %v, %v; want 0644 (the VM's dynamic user reads it)", st.Mode(), err)
	}
	for d := file; d != filepath.Dir(o.Cache); d = filepath.Dir(d) {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm()&0o005 != 0o005 && st.IsDir() {
			t.Errorf("%s: %v, %v; the VM's user cannot reach the file", d, st.Mode(), err)
		}
	}
	// A second start with the same image ID extracts nothing.
	if _, err := Prepare(ctx, o); err != nil {
		t.Fatal(err)
	}
	calls, _ := os.ReadFile(log)
	if n := strings.Count(string(calls), "cp cid0123:"); n != 1 {
		t.Errorf("podman cp ran %d times for one image ID, want 1:\n%s", n, calls)
	}
	if !strings.Contains(string(calls), "rm --force cid0123") {
		t.Errorf("the helper container was not removed:\n%s", calls)
	}
	// A new image (new ID) is extracted anew.
	t.Setenv("ID", strings.Repeat("cd", 32))
	if _, err := Prepare(ctx, o); err != nil {
		t.Fatal(err)
	}
	calls, _ = os.ReadFile(log)
	if n := strings.Count(string(calls), "cp cid0123:"); n != 2 {
		t.Errorf("podman cp ran %d times for two image IDs, want 2", n)
	}
}

func TestPrepareErrors(t *testing.T) {
	o, _ := setupPrepare(t, strings.Repeat("ab", 32))
	ctx := context.Background()
	missing := o
	missing.Image = "localhost/other:1"
	if _, err := Prepare(ctx, missing); err == nil || !strings.Contains(err.Error(), "image not known") {
		t.Errorf("unknown image: %v", err)
	}
	nofile := o
	nofile.Path = "/disk/none.img"
	if _, err := Prepare(ctx, nofile); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(o.Cache, "*", "*")); len(entries) != 0 {
		t.Errorf("a failed extraction left %v in the cache", entries)
	}
	t.Setenv("ID", "not-an-id")
	if _, err := Prepare(ctx, o); err == nil || !strings.Contains(err.Error(), "not an image ID") {
		t.Errorf("bad ID: %v", err)
	}
}
