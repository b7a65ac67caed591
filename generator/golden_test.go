package generator

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/units/unitstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenHost is the machine the golden files are generated for: fixed, so
// they do not depend on what the test machine has installed.
var goldenHost = runtimes.Host{
	Podman:      "/usr/bin/podman",
	QEMU:        "/usr/bin/qemu-system-x86_64",
	Bootstage:   BootstagePath,
	Healthd:     HealthdPath,
	CgroupsMode: DefaultCgroupsMode,
	KVM:         false,
}

// goldenNanos are the Nanos files of the golden machine: the default
// directory holds all three, and so does /opt/nanos, which a case's
// bootstage.toml may name. No other file exists for it.
var goldenNanos = []string{"/usr/lib/nanos/kernel.img", "/usr/lib/nanos/boot.img", "/usr/lib/nanos/mkfs",
	"/opt/nanos/kernel.img", "/opt/nanos/boot.img", "/opt/nanos/mkfs"}

// goldenOptions generate case c for the golden machine.
func goldenOptions(c goldenCase) Options {
	return Options{ConfigPath: []string{c.dir}, Hostname: "node1", Host: c.host(),
		FileExists: func(p string) bool { return slices.Contains(goldenNanos, p) }}
}

// goldenCase is a config tree and the name of its golden directory.
type goldenCase struct{ name, dir string }

// unitPathDir is the directory of a case that stands for systemd's unit
// search path: each subdirectory is one directory of it, named after the
// one it plays with "/" as "-" (etc-systemd-system), in priority order
// when sorted. Without it a case has no system units.
const unitPathDir = "unit-path"

// host is goldenHost with the case's unit search path.
func (c goldenCase) host() *runtimes.Host {
	h := goldenHost
	h.UnitPath, _ = filepath.Glob(filepath.Join(c.dir, unitPathDir, "*"))
	return &h
}

// shown rewrites where a case's files stand into where they play: the
// config directory is /etc/bootstage, a unit search path directory
// etc-systemd-system is /etc/systemd/system.
func (c goldenCase) shown(content []byte) []byte {
	for _, d := range c.host().UnitPath {
		content = bytes.ReplaceAll(content, []byte(d), []byte("/"+strings.ReplaceAll(filepath.Base(d), "-", "/")))
	}
	return bytes.ReplaceAll(content, []byte(c.dir), []byte("/etc/bootstage"))
}

// goldenCases are the example stacks (contrib/examples/NAME, golden as
// example-NAME) and the feature cases under testdata/cases: each a config
// tree whose comments say what its golden units show.
func goldenCases(t *testing.T) []goldenCase {
	var cases []goldenCase
	for _, pattern := range []string{"../contrib/examples/*", "testdata/cases/*"} {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			name := filepath.Base(d)
			if strings.HasPrefix(pattern, "../contrib") {
				name = "example-" + name
			}
			abs, err := filepath.Abs(d)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, goldenCase{name, abs})
		}
	}
	return cases
}

// render generates a case and returns its files, with the config
// directory shown as /etc/bootstage, plus problems.txt.
func render(t *testing.T, c goldenCase) map[string][]byte {
	out, err := Generate(goldenOptions(c))
	if err != nil {
		t.Fatal(err)
	}
	files := out.Files()
	var problems bytes.Buffer
	for _, p := range out.Problems {
		problems.WriteString(p.Error() + "\n")
	}
	files["problems.txt"] = problems.Bytes()
	for name, content := range files {
		if m := manifestOf(t, name, content); m != nil {
			files["manifests/"+strings.TrimSuffix(name, ".service")+".manifest"] = m
		}
	}
	for name, content := range files {
		files[name] = c.shown(content)
	}
	return files
}

// goldenImage is what every OCI image of the golden cases holds, for a
// unikernel whose program is the image's entrypoint: its entrypoint and
// CMD, as podman would report them.
var goldenImage = struct{ entrypoint, cmd []string }{
	[]string{"/app/entry", "--from-entrypoint"}, []string{"--from-image-cmd", "two words"}}

// manifestOf is the manifest that `bootstage vm prepare --nanos` writes
// for the unikernel unit content, nil for any other unit: its
// ExecStartPre= read back as systemd reads it, parsed as the command
// parses it, for a static program (of goldenImage, when from an image's
// entrypoint). It shows in the golden files as manifests/UNIT.manifest.
func manifestOf(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	if !strings.HasSuffix(name, ".service") || !bytes.Contains(content, []byte(" vm prepare "+qemu.NanosFlag)) {
		return nil
	}
	u, err := unitstest.Parse(string(content))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	pre := u.Lookup("Service", "ExecStartPre")
	if len(pre) != 1 {
		t.Fatalf("%s: %d ExecStartPre= lines", name, len(pre))
	}
	cmd, err := unitstest.DecodeExec(pre[0], unitstest.Specifiers{})
	if err != nil {
		t.Fatalf("%s: ExecStartPre=: %v", name, err)
	}
	if len(cmd.Argv) < 4 || !slices.Equal(cmd.Argv[1:4], []string{"vm", "prepare", qemu.NanosFlag}) {
		t.Fatalf("%s: ExecStartPre= runs %q", name, cmd.Argv)
	}
	b, err := qemu.ParseNanosBuild(cmd.Argv[4:])
	if err != nil {
		t.Fatalf("%s: bootstage vm prepare would refuse its ExecStartPre=: %v", name, err)
	}
	guest, argv, err := b.Run(goldenImage.entrypoint, goldenImage.cmd)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return []byte(b.Manifest(guest, argv, []qemu.ManifestFile{qemu.BuildFile(guest)}).Text())
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c)
			if strings.HasPrefix(c.name, "example-") && len(got["problems.txt"]) > 0 {
				t.Fatalf("an example stack must be valid:\n%s", got["problems.txt"])
			}
			dir := filepath.Join("testdata", "golden", c.name)
			if *update {
				writeGolden(t, dir, got)
			}
			want := readGolden(t, dir)
			for _, name := range union(got, want) {
				if !bytes.Equal(got[name], want[name]) {
					t.Errorf("%s/%s differs from the golden file (run go test ./generator -update and review the diff):\n--- got\n%s\n--- want\n%s",
						c.name, name, got[name], want[name])
				}
			}
			verify(t, got)
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, c := range goldenCases(t) {
		a, b := render(t, c), render(t, c)
		for _, name := range union(a, b) {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s/%s: two runs differ", c.name, name)
			}
		}
	}
}

// TestGenerateInto checks that the generator's own path, which writes
// each component unit as soon as it is built and drops it, puts exactly
// the files of Generate's output on disk, links included.
func TestGenerateInto(t *testing.T) {
	t.Parallel()
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			opts := goldenOptions(c)
			want, err := Generate(opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			out, err := GenerateInto(opts, dir)
			if err != nil {
				t.Fatal(err)
			}
			got := readGolden(t, dir)
			for name, content := range want.Files() {
				if target, ok := strings.CutPrefix(string(content), "-> "); ok {
					if dest, err := os.Readlink(filepath.Join(dir, name)); err != nil || dest+"\n" != target {
						t.Errorf("%s: link to %q, %v; want %q", name, dest, err, target)
					}
					delete(got, name)
					continue
				}
				if !bytes.Equal(got[name], content) {
					t.Errorf("%s: written\n%s\nwant\n%s", name, got[name], content)
				}
				delete(got, name)
			}
			for name := range got {
				t.Errorf("%s written, but not in Generate's output", name)
			}
			if fmt.Sprint(out.Problems) != fmt.Sprint(want.Problems) {
				t.Errorf("problems differ:\n%v\nwant\n%v", out.Problems, want.Problems)
			}
		})
	}
}

func union(a, b map[string][]byte) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	var names []string
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func writeGolden(t *testing.T, dir string, files map[string][]byte) {
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T, dir string) map[string][]byte {
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = content
		return err
	})
	return files
}

// verify runs `systemd-analyze verify` over the units of a case. It
// checks that every ExecStart= binary exists, so bootstage's own, not
// installed on a test machine, is pointed at /usr/bin/true in the copy it
// checks; podman and qemu must be installed (scripts/install-deps.sh).
func verify(t *testing.T, files map[string][]byte) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		skipUnlessCI(t, "systemd-analyze is not installed")
		return
	}
	for _, bin := range []string{goldenHost.Podman, goldenHost.QEMU} {
		if _, err := os.Stat(bin); err != nil {
			skipUnlessCI(t, bin+" is not installed (scripts/install-deps.sh installs it)")
			return
		}
	}
	dir := t.TempDir()
	var names []string
	for name, content := range files {
		if strings.Contains(name, "/") || !(strings.HasSuffix(name, ".service") || strings.HasSuffix(name, ".target")) {
			continue
		}
		for _, own := range []string{HealthdPath, BootstagePath} {
			content = bytes.ReplaceAll(content, []byte(own), []byte("/usr/bin/true"))
		}
		os.WriteFile(filepath.Join(dir, name), content, 0o644)
		names = append(names, name)
	}
	sort.Strings(names)
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, names...)...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
}

// skipUnlessCI skips a check whose tool is missing, except in CI, where a
// skip would let a missing install step pass unseen.
func skipUnlessCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI must install it", why)
	}
	t.Skip(why)
}

// maxGateExposure is the highest `systemd-analyze security` exposure a
// gate unit may have (issue 3: 2.0 or lower).
const maxGateExposure = 2.0

// Every gate unit of every case is sandboxed to maxGateExposure or lower,
// the gates that use the system bus (as root without capabilities)
// included.
func TestGateSecurity(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		skipUnlessCI(t, "systemd-analyze is not installed")
		return
	}
	for _, c := range goldenCases(t) {
		for name, content := range render(t, c) {
			if !strings.HasSuffix(name, "-gate.service") {
				continue
			}
			file := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(file, content, 0o644); err != nil {
				t.Fatal(err)
			}
			level, report, err := unitstest.Exposure(analyze, file)
			if err != nil {
				t.Fatalf("%s/%s: %v", c.name, name, err)
			}
			if level > maxGateExposure {
				t.Errorf("%s/%s: exposure %.1f > %.1f:\n%s", c.name, name, level, maxGateExposure, report)
			}
			t.Logf("%s/%s: exposure %.1f", c.name, name, level)
		}
	}
}
