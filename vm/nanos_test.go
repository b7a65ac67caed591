package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/internal/repo"
	"github.com/bootstage/bootstage/runtimes/qemu"
)

// fakeMkfs stands in for Nanos's mkfs: it checks its flags, logs its call
// and writes the manifest it reads, and the files it names, as the image.
const fakeMkfs = `#!/bin/sh
echo "mkfs $*" >>"$LOG"
[ "$1" = -b ] && [ "$3" = -k ] && [ -f "$2" ] && [ -f "$4" ] || { echo "usage: mkfs -b BOOT -k KERNEL IMAGE" >&2; exit 2; }
cat >"$5"
for f in $(sed -n 's/.*host:\([^)]*\).*/\1/p' "$5"); do [ -f "$f" ] || { echo "cannot read $f" >&2; exit 1; }; done
echo "(tree it wrote)"
`

// staticELF is the smallest x86-64 executable debug/elf reads: a header
// without program or section headers, which is all the checks look at.
func staticELF() []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = 2, 1, 1                  // 64-bit, little-endian, version 1
	binary.LittleEndian.PutUint16(h[16:], 2)    // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 0x3e) // EM_X86_64
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint16(h[52:], 64) // header size
	return h
}

// nanosSetup is a node with fake Nanos files, a state directory, a static
// program on the host and an image (localhost/app:1) for fakePodman.
type nanosSetup struct {
	build    qemu.NanosBuild
	cache    string
	log      string
	imgRoot  string
	hostProg string
}

func setupNanos(t *testing.T) nanosSetup {
	t.Helper()
	o, log := setupPrepare(t, strings.Repeat("ab", 32))
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := nanosSetup{cache: o.Cache, log: log, imgRoot: os.Getenv("IMGROOT")}
	s.hostProg = write("elf/echo", staticELF(), 0o755)
	s.build = qemu.NanosBuild{State: filepath.Join(dir, "state/echo"),
		Kernel:  write("nanos/kernel.img", []byte("kernel 1"), 0o644),
		Boot:    write("nanos/boot.img", []byte("boot 1"), 0o644),
		Mkfs:    write("nanos/mkfs", []byte(fakeMkfs), 0o755),
		Program: s.hostProg, Args: []string{"two words", `say "hi"`},
		Env:    []config.EnvVar{{Key: "GREETING", Value: "hello there"}},
		Mounts: []qemu.Mount{{Tag: 0, Path: "/data"}, {Tag: 1, Path: "/etc/motd.d", ReadOnly: true}}}
	s.build.Podman = o.Podman
	return s
}

// inImage puts a file into the fake image.
func (s nanosSetup) inImage(t *testing.T, inside string, b []byte) {
	t.Helper()
	p := filepath.Join(s.imgRoot, inside)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func (s nanosSetup) calls(t *testing.T, prefix string) int {
	b, _ := os.ReadFile(s.log)
	return strings.Count(string(b), prefix)
}

// An image is built once per distinct input: a second start reuses it, a
// changed argument or a changed kernel builds anew and the old image goes.
func TestPrepareNanosBuildsOncePerInput(t *testing.T) {
	s := setupNanos(t)
	ctx := context.Background()
	defer syscall.Umask(syscall.Umask(0o077)) // as under the unit's UMask=
	first, err := PrepareNanos(ctx, s.build, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Built || filepath.Dir(first.Image) != s.build.State {
		t.Fatalf("first start: %+v, want an image built into %s", first, s.build.State)
	}
	link := filepath.Join(s.build.State, qemu.NanosImageName)
	if target, err := os.Readlink(link); err != nil || target != filepath.Base(first.Image) {
		t.Errorf("%s -> %q, %v; want %s", link, target, err, filepath.Base(first.Image))
	}
	if st, err := os.Stat(first.Image); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("image mode %v, %v; want 0644 (the VM's dynamic user reads it)", st.Mode(), err)
	}
	image, _ := os.ReadFile(first.Image)
	// The mount points are folders of the root filesystem; the program's
	// own folders, those of the test's temporary directory, follow.
	wantManifest := "(\n    children:(\n        data:(children:())\n        etc:(children:(\n            motd.d:(children:())\n        ))\n"
	if !strings.HasPrefix(string(image), wantManifest) {
		t.Errorf("the manifest mkfs was given begins\n%s\nwant\n%s", image, wantManifest)
	}
	for _, want := range []string{
		"    program:" + s.hostProg + "\n",
		`    arguments:[echo "two words" "say \"hi\""]` + "\n",
		`    environment:(GREETING:"hello there")` + "\n",
		"    mounts:(virtfs0:/data virtfs1:/etc/motd.d:ro)\n",
		"(contents:(host:files" + s.hostProg + "))",
	} {
		if !bytes.Contains(image, []byte(want)) {
			t.Errorf("the manifest lacks %q:\n%s", want, image)
		}
	}
	if m, err := os.ReadFile(strings.TrimSuffix(first.Image, ".img") + ".manifest"); err != nil || !bytes.Equal(m, image) {
		t.Errorf("the manifest beside the image differs from what mkfs read (%v)", err)
	}

	again, err := PrepareNanos(ctx, s.build, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	if again.Built || again.Image != first.Image || s.calls(t, "mkfs ") != 1 {
		t.Errorf("an unchanged start: %+v, mkfs ran %d times; want the image reused", again, s.calls(t, "mkfs "))
	}

	changed := s.build
	changed.Args = []string{"other"}
	next, err := PrepareNanos(ctx, changed, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	if !next.Built || next.Image == first.Image {
		t.Errorf("new arguments: %+v, want a new image", next)
	}
	if _, err := os.Stat(first.Image); err == nil {
		t.Errorf("the old image %s was kept", first.Image)
	}
	if err := os.WriteFile(s.build.Kernel, []byte("kernel 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := PrepareNanos(ctx, changed, s.cache); err != nil || !r.Built {
		t.Errorf("a new kernel: %+v, %v; want a new image", r, err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.build.State, ".build-*")); len(left) != 0 {
		t.Errorf("build folders left behind: %v", left)
	}
}

// The program of an image, at image_path or as its entrypoint, is copied
// out once per image ID; the entrypoint's arguments and the image's CMD
// make argv as podman would.
func TestPrepareNanosFromImage(t *testing.T) {
	s := setupNanos(t)
	ctx := context.Background()
	s.inImage(t, "/app/entry", staticELF())
	t.Setenv("ENTRYPOINT", `["/app/entry", "--from-entrypoint"]`)
	t.Setenv("CMD", `["--from-cmd"]`)
	b := s.build
	b.Program, b.Image, b.Args, b.ImageCmd = "", "localhost/app:1", nil, true
	r, err := PrepareNanos(ctx, b, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	image, _ := os.ReadFile(r.Image)
	for _, want := range []string{"program:/app/entry\n", "arguments:[entry --from-entrypoint --from-cmd]\n",
		"app:(children:(\n            entry:(contents:(host:files/app/entry))"} {
		if !bytes.Contains(image, []byte(want)) {
			t.Errorf("the manifest lacks %q:\n%s", want, image)
		}
	}
	b.ImageCmd, b.Args = false, []string{"--mine"}
	if r, err = PrepareNanos(ctx, b, s.cache); err != nil {
		t.Fatal(err)
	}
	if image, _ = os.ReadFile(r.Image); !bytes.Contains(image, []byte("arguments:[entry --from-entrypoint --mine]\n")) {
		t.Errorf("with cmd, the arguments are the entrypoint's and cmd's:\n%s", image)
	}
	if n := s.calls(t, "cp cid0123:"); n != 1 {
		t.Errorf("podman cp ran %d times for one image ID, want 1", n)
	}
}

// A dynamic program of an image takes its loader and libraries from the
// image, found where the loader would look; one the image lacks is named.
func TestPrepareNanosDynamic(t *testing.T) {
	s := setupNanos(t)
	ctx := context.Background()
	host := func(p string) []byte {
		b, err := os.ReadFile(p) // follows the links of this Debian host
		if err != nil {
			t.Skipf("this host has no %s to play a dynamic program's part", p)
		}
		return b
	}
	s.inImage(t, "/usr/bin/true", host("/bin/true"))
	s.inImage(t, "/lib64/ld-linux-x86-64.so.2", host("/lib64/ld-linux-x86-64.so.2"))
	b := s.build
	b.Program, b.Image, b.Path = "", "localhost/app:1", "/usr/bin/true"
	_, err := PrepareNanos(ctx, b, s.cache)
	want := "/usr/bin/true is dynamically linked, and image localhost/app:1 lacks libc.so.6"
	if err == nil || err.Error() != want {
		t.Fatalf("without libc: %v, want %s", err, want)
	}
	s.inImage(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", host("/lib/x86_64-linux-gnu/libc.so.6"))
	r, err := PrepareNanos(ctx, b, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	image, _ := os.ReadFile(r.Image)
	for _, want := range []string{"ld-linux-x86-64.so.2:(contents:(host:files/lib64/ld-linux-x86-64.so.2))",
		"libc.so.6:(contents:(host:files/usr/lib/x86_64-linux-gnu/libc.so.6))"} {
		if !bytes.Contains(image, []byte(want)) {
			t.Errorf("the manifest lacks %q:\n%s", want, image)
		}
	}
}

// What cannot run under Nanos is refused with the reason, before mkfs.
func TestPrepareNanosErrors(t *testing.T) {
	s := setupNanos(t)
	ctx := context.Background()
	text := filepath.Join(t.TempDir(), "script")
	os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755)
	if b, err := os.ReadFile("/bin/true"); err == nil { // a dynamic program, with its loader
		s.inImage(t, "/bin/true", b)
		ld, _ := os.ReadFile("/lib64/ld-linux-x86-64.so.2")
		s.inImage(t, "/lib64/ld-linux-x86-64.so.2", ld)
		libc, _ := os.ReadFile("/lib/x86_64-linux-gnu/libc.so.6")
		s.inImage(t, "/lib/x86_64-linux-gnu/libc.so.6", libc)
	}
	image := func(edit func(b *qemu.NanosBuild)) qemu.NanosBuild {
		b := s.build
		b.Program, b.Image, b.Path = "", "localhost/app:1", "/app/entry"
		edit(&b)
		return b
	}
	cases := []struct {
		name string
		b    qemu.NanosBuild
		want string
	}{
		{"not an ELF", func() qemu.NanosBuild { b := s.build; b.Program = text; return b }(),
			text + " is not an ELF executable (a unikernel runs one Linux x86-64 program)"},
		{"a dynamic program on the host", func() qemu.NanosBuild { b := s.build; b.Program = "/bin/true"; return b }(),
			"/bin/true is dynamically linked (loader /lib64/ld-linux-x86-64.so.2; libraries libc.so.6); a program on the host must be static: build it with CGO_ENABLED=0 or -static, or take it from an image that holds its libraries"},
		{"a file the image lacks", image(func(*qemu.NanosBuild) {}), "image localhost/app:1 has no file /app/entry"},
		{"an image without entrypoint", image(func(b *qemu.NanosBuild) { b.Path = "" }),
			"image localhost/app:1 has no entrypoint: set image_path to its program"},
		{"a volume over a library", func() qemu.NanosBuild {
			b := image(func(b *qemu.NanosBuild) { b.Path = "/bin/true" })
			b.Mounts = []qemu.Mount{{Tag: 0, Path: "/lib64"}}
			return b
		}(), "the volume mounted at /lib64 would hide /lib64/ld-linux-x86-64.so.2, which /bin/true needs"},
		{"no mkfs", func() qemu.NanosBuild { b := s.build; b.Mkfs = "/nonexistent/mkfs"; return b }(),
			"Nanos's mkfs: stat /nonexistent/mkfs: no such file or directory (install Nanos's kernel.img, boot.img and mkfs)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PrepareNanos(ctx, tc.b, s.cache); err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
	if s.calls(t, "mkfs ") != 0 {
		t.Error("mkfs ran for a program that cannot run")
	}
}

// Plan says whether the next start builds, and why, without copying
// anything out of an image.
func TestPlanNanos(t *testing.T) {
	s := setupNanos(t)
	ctx := context.Background()
	plan := func(b qemu.NanosBuild) NanosPlan {
		t.Helper()
		p, err := PlanNanos(ctx, b, s.cache)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := plan(s.build); !p.Rebuild || p.Reason != "no image has been built yet" {
		t.Errorf("before any start: %+v", p)
	}
	if _, err := PrepareNanos(ctx, s.build, s.cache); err != nil {
		t.Fatal(err)
	}
	if p := plan(s.build); p.Rebuild {
		t.Errorf("after a start with the same inputs: %+v, want no rebuild", p)
	}
	env := s.build
	env.Env = nil
	if p := plan(env); !p.Rebuild || p.Reason != "changed: the manifest" {
		t.Errorf("without the environment: %+v", p)
	}
	os.WriteFile(s.build.Boot, []byte("boot 2"), 0o644)
	if p := plan(s.build); !p.Rebuild || p.Reason != "changed: boot" {
		t.Errorf("with a new boot.img: %+v", p)
	}
	s.inImage(t, "/app/entry", staticELF())
	img := s.build
	img.Program, img.Image, img.Path = "", "localhost/app:1", "/app/entry"
	if p := plan(img); !p.Rebuild || p.Reason != "image localhost/app:1 has not been prepared on this node" {
		t.Errorf("an image never prepared: %+v", p)
	}
	if s.calls(t, "cp ") != 0 {
		t.Error("plan copied files out of an image")
	}
}

// The manifest is what Nanos's own mkfs reads: arguments and environment
// with blanks, quotes, backslashes, brackets, a leading # and an empty
// string come out of its parser as written (mkfs prints what it parsed),
// and the image builds.
func TestNanosManifestWithRealMkfs(t *testing.T) {
	dir, err := repo.NanosDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s := setupNanos(t)
	b := s.build
	b.Kernel, b.Boot, b.Mkfs = filepath.Join(dir, "kernel.img"), filepath.Join(dir, "boot.img"), filepath.Join(dir, "mkfs")
	args := []string{"two words", `say "hi"`, `back\slash`, "[y] (x)", "#not-a-comment", "", "a:b", "$HOME 100%"}
	b.Args = args
	b.Env = []config.EnvVar{{Key: "EMPTY", Value: ""}, {Key: "GREETING", Value: `hello, "world" (x) #y`}}
	r, err := PrepareNanos(context.Background(), b, s.cache)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(r.Image); err != nil || st.Size() < 1<<20 {
		t.Fatalf("image %s: %v, %v", r.Image, st, err)
	}
	manifest, err := os.ReadFile(strings.TrimSuffix(r.Image, ".img") + ".manifest")
	if err != nil {
		t.Fatal(err)
	}
	// mkfs again on the same manifest, in a build folder of the same
	// layout, to see what it parsed.
	build := t.TempDir()
	elf := filepath.Join(build, qemu.BuildFile(s.hostProg).Host)
	if err := os.MkdirAll(filepath.Dir(elf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(s.hostProg, elf); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(b.Mkfs, "-b", b.Boot, "-k", b.Kernel, "again.img")
	cmd.Stdin = bytes.NewReader(manifest)
	cmd.Dir = build
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mkfs: %v\n%s", err, out)
	}
	got := parsedVector(string(out), "arguments")
	want := append([]string{"echo"}, args...)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("mkfs parsed arguments %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(string(out), `environment:(EMPTY:`) || !strings.Contains(string(out), `GREETING:hello, "world" (x) #y`) {
		t.Errorf("mkfs parsed another environment:\n%s", out)
	}
}

// parsedVector reads a vector from the tree mkfs prints: its first element
// after "(KEY:[" or " KEY:[", the others each on a line of their own,
// indented to the first, the last closed by "]".
func parsedVector(tree, key string) []string {
	i := strings.Index(tree, key+":[")
	if i < 0 {
		return nil
	}
	indent := i - strings.LastIndexByte(tree[:i], '\n') - 1 + len(key) + 2
	var out []string
	for n, line := range strings.Split(tree[i+len(key)+2:], "\n") {
		if n > 0 {
			if len(line) < indent {
				line = ""
			} else {
				line = line[indent:]
			}
		}
		if v, ok := strings.CutSuffix(line, "]"); ok {
			return append(out, v)
		}
		out = append(out, line)
	}
	return out
}
