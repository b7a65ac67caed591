package generator_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/generator"
	"github.com/bootstage/bootstage/healthd/spec"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/podman"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/units"
	"github.com/bootstage/bootstage/units/unitstest"
)

// fuzzHost is a fixed machine, so that a run never depends on this one.
var fuzzHost = runtimes.Host{
	Podman:      "/usr/bin/podman",
	QEMU:        "/usr/bin/qemu-system-x86_64",
	Bootstage:   "/usr/bin/bootstage",
	Healthd:     "/usr/libexec/bootstage/bootstage-healthd",
	CgroupsMode: "split",
}

const fuzzHostname = "node1"

// hostileService is a service file with a value of every dangerous kind in
// every place a string can land in a unit.
const hostileService = `stage = "core"
nodes = ["node1"]

[[components]]
name = "api"
image = "registry.example/x:1"
cmd = ["#registry.example/x:1 ; ExecStart=/bin/evil", "#", ";", "\\", "a\\", "$HOME", "%n", "", " ", "\"'", "[Service]", "\t", "é"]
entrypoint = ["/bin/sh", "-c"]
env = { A = "x y", B = "%t $X \\ \"", C = "", D = "#c" }
ports = ["127.0.0.1:18080:8080", "9090/udp"]
volumes = ["/srv/a b:/data", "/srv/%n:/x:ro", "named:/y"]
user = "#1000"
network = "$net"
podman_args = ["--cap-add=#ALL;", "--label=%h $x"]
restart = "always"
start_timeout = "90s"

[components.health]
check = "exec"
command = ["/bin/check", "#x", "%n", "$$", "a b"]

[[components]]
name = "worker"
image = "localhost/w"
cmd = ["-c", "echo '%%' \"$$\""]

[components.health]
check = "none"
`

// hostileUnikernel is a unikernel whose arguments and environment hold
// what systemd, the prepare command line and Nanos's tuple syntax each
// read specially.
const hostileUnikernel = `runtime = "unikernel"

[[components]]
program = "/srv/elf/app"
cmd = ["--arg", "a b", 'q"uo\te', "$X", "%n", "", "#c", "(x)[y]", "--nanos"]
env = { A = "--env", B = "x=y", C = "'; rm -rf /" }
volumes = ["/srv/d:/data:ro"]
memory = 64
health.check = "none"
`

// seedDirs are the example stacks whose service files seed the corpus.
var seedDirs = []string{"../contrib/examples/three-stage", "../contrib/examples/minimal"}

// FuzzGenerate writes one services/x.toml, with or without the three-stage
// stages.toml, and runs the generator. Whatever the file says, the
// generator must not panic, and every unit it writes must read back, as
// systemd reads it, with exactly the sections, keys and values of its model;
// every command must decode to the argv the configuration asked for.
func FuzzGenerate(f *testing.F) {
	for _, d := range seedDirs {
		files, _ := filepath.Glob(filepath.Join(d, "services", "*.toml"))
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(src), true)
			f.Add(string(src), false)
		}
	}
	f.Add(hostileService, true)
	f.Add(hostileUnikernel, false)
	f.Add(strings.ReplaceAll(hostileService, `stage = "core"`, ""), false)
	stages, err := os.ReadFile("../contrib/examples/three-stage/stages.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string, withStages bool) {
		defer hangGuard(src)()
		dir := t.TempDir()
		if withStages {
			write(t, filepath.Join(dir, "stages.toml"), string(stages))
		}
		write(t, filepath.Join(dir, "services", "x.toml"), src)
		out := generate(t, dir)
		checkOutput(t, out)
		if again := generate(t, dir); !sameFiles(out.Files(), again.Files()) {
			t.Fatal("two runs on the same configuration differ")
		}
	})
}

// hangGuard crashes the fuzz worker, with every goroutine's stack and the
// input, when one input takes far too long: the fuzzer reports a crash
// with its input, where a plain hang is only "terminated unexpectedly".
func hangGuard(src string) (stop func()) {
	timer := time.AfterFunc(10*time.Second, func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		panic(fmt.Sprintf("generator hung on %q\n%s", src, buf[:n]))
	})
	return func() { timer.Stop() }
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func generate(t testing.TB, dir string) *generator.Output {
	t.Helper()
	host := fuzzHost
	out, err := generator.Generate(generator.Options{ConfigPath: []string{dir}, Hostname: fuzzHostname, Host: &host,
		FileExists: func(string) bool { return true }}) // Nanos is installed
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if string(b[k]) != string(v) {
			return false
		}
	}
	return true
}

// checkOutput holds every unit of out to its model and to its intent.
func checkOutput(t *testing.T, out *generator.Output) {
	t.Helper()
	read := map[string]*unitstest.Unit{}
	for _, f := range out.Units {
		if err := f.Err(); err != nil {
			t.Fatalf("%s is written although it failed: %v", f.Name, err)
		}
		u, err := unitstest.Check(f)
		if err != nil {
			t.Fatal(err)
		}
		checkValues(t, f.Name, u)
		read[f.Name] = u
	}
	for _, st := range out.Tree.Stages {
		for _, svc := range st.Services {
			for _, c := range svc.Components {
				checkComponent(t, read, svc, c)
			}
		}
		gate, _ := units.GateService(st.Name)
		checkGate(t, read[gate], st)
	}
}

// pathLists are settings that systemd splits into words and unquotes; a
// value bootstage gives them must stay one word.
var pathLists = map[string]bool{"RequiresMountsFor": true, "ReadWritePaths": true, "ReadOnlyPaths": true}

// checkValues decodes every value of u the way systemd will use it.
func checkValues(t *testing.T, name string, u *unitstest.Unit) {
	t.Helper()
	spec := systemSpecifiers(name)
	for _, e := range u.Entries {
		var err error
		switch {
		case strings.HasPrefix(e.Key, "Exec"):
			_, err = unitstest.DecodeExec(e.Value, spec)
		case e.Key == "Environment":
			_, err = unitstest.DecodeEnv(e.Value, spec)
		case pathLists[e.Key]:
			var words []string
			if words, err = unitstest.Words(e.Value); err == nil && len(words) != 1 {
				t.Fatalf("%s: %s=%s is %d paths to systemd: %q", name, e.Key, e.Value, len(words), words)
			}
		case e.Key == "Description" || e.Key == "SourcePath" || e.Key == "SyslogIdentifier":
			_, err = unitstest.DecodeText(e.Value, nil)
		}
		if err != nil {
			t.Fatalf("%s: %s=%s: %v", name, e.Key, e.Value, err)
		}
	}
}

// checkComponent finds in the unit of a valid podman component every value
// of its configuration, in the argv podman receives.
func checkComponent(t *testing.T, read map[string]*unitstest.Unit, svc *config.Service, c *config.Component) {
	t.Helper()
	name, err := units.ServiceName(svc.Name, c.Name)
	if err != nil {
		return // reported as a problem
	}
	u := read[name]
	if u == nil {
		t.Fatalf("no unit %s for %s", name, svc.Source)
	}
	if src := u.Lookup("Unit", "SourcePath"); len(src) != 1 || mustText(t, src[0]) != svc.Source {
		t.Fatalf("%s: SourcePath=%q, want %q", name, src, svc.Source)
	}
	argv := execArgv(t, name, u, "ExecStart")
	if argv[0] == "/bin/sh" {
		return // a unit standing in for a failed one
	}
	if c.Nanos {
		checkNanos(t, name, u, c)
	}
	if c.Runtime == config.QEMU {
		checkQEMU(t, name, argv, c)
		return
	}
	tail := append([]string{c.Image}, c.Cmd...)
	if len(argv) < len(tail) || !slices.Equal(argv[len(argv)-len(tail):], tail) {
		t.Fatalf("%s: argv %q does not end in image and cmd %q", name, argv, tail)
	}
	want := [][]string{}
	for _, e := range c.Env {
		want = append(want, []string{"--env", e.Key + "=" + e.Value})
	}
	for _, p := range c.Ports {
		want = append(want, []string{"--publish", p.String()})
	}
	for _, v := range c.Volumes {
		want = append(want, []string{"--volume", v.String()})
	}
	if c.User != "" {
		want = append(want, []string{"--user", c.User})
	}
	if c.Network != "" {
		want = append(want, []string{"--network", c.Network})
	}
	if len(c.PodmanArgs) > 0 {
		want = append(want, c.PodmanArgs)
	}
	if len(c.Entrypoint) > 0 {
		want = append(want, []string{"--entrypoint", podman.EntrypointSpec(c.Entrypoint)})
	}
	for _, w := range want {
		if !containsRun(argv, w) {
			t.Fatalf("%s: argv %q lacks %q", name, argv, w)
		}
	}
}

// checkQEMU finds the boot values of a VM in its qemu argv.
func checkQEMU(t *testing.T, name string, argv []string, c *config.Component) {
	t.Helper()
	for _, w := range [][]string{{"-kernel", c.Kernel}, {"-initrd", c.Initrd}, {"-append", c.Append}, c.QEMUArgs} {
		if len(w) > 0 && w[len(w)-1] != "" && !containsRun(argv, w) {
			t.Fatalf("%s: argv %q lacks %q", name, argv, w)
		}
	}
}

// checkNanos decodes a unikernel's ExecStartPre= as systemd runs it, and
// has `bootstage vm prepare --nanos`'s own parser read it: the program's
// arguments, environment and mounts must be those configured, word for
// word.
func checkNanos(t *testing.T, name string, u *unitstest.Unit, c *config.Component) {
	t.Helper()
	argv := execArgv(t, name, u, "ExecStartPre")
	if len(argv) < 4 || !slices.Equal(argv[1:4], []string{"vm", "prepare", qemu.NanosFlag}) {
		t.Fatalf("%s: ExecStartPre= runs %q", name, argv)
	}
	b, err := qemu.ParseNanosBuild(argv[4:])
	if err != nil {
		t.Fatalf("%s: bootstage vm prepare would refuse %q: %v", name, argv, err)
	}
	if !slices.Equal(b.Args, c.Cmd) || !slices.Equal(b.Env, c.Env) || b.Program != c.Program ||
		b.Image != c.Image || b.Path != c.ImagePath || len(b.Mounts) != len(c.Volumes) {
		t.Fatalf("%s: ExecStartPre= builds %+v from %+v", name, b, c)
	}
	for i, m := range b.Mounts {
		if m.Tag != i || m.Path != c.Volumes[i].Container {
			t.Fatalf("%s: mount %d is %+v, volume %+v", name, i, m, c.Volumes[i])
		}
	}
}

// checkGate decodes the gate's command and has healthd's own parser read
// it: the probes must be the stage's components, commands intact.
func checkGate(t *testing.T, u *unitstest.Unit, st *config.Stage) {
	t.Helper()
	if u == nil {
		t.Fatalf("no gate for stage %s", st.Name)
	}
	argv := execArgv(t, gateName(st), u, "ExecStart")
	if argv[0] != fuzzHost.Healthd || len(argv) < 2 || argv[1] != "gate" {
		t.Fatalf("gate of %s runs %q", st.Name, argv)
	}
	g, err := spec.Parse(argv[2:])
	if err != nil {
		t.Fatalf("healthd would refuse the gate of %s: %v\n%q", st.Name, err, argv)
	}
	var flat []string
	for _, grp := range g.Args() {
		flat = append(flat, grp...)
	}
	if !slices.Equal(flat, argv[1:]) {
		t.Fatalf("gate of %s: %q parses back as %q", st.Name, argv[1:], flat)
	}
	commands := map[string][]string{}
	for _, p := range g.Probes {
		commands[p.Unit] = p.Command
	}
	for _, svc := range st.Services {
		for _, c := range svc.Components {
			name, err := units.ServiceName(svc.Name, c.Name)
			if err != nil {
				continue
			}
			got, ok := commands[name]
			if !ok {
				t.Fatalf("gate of %s has no probe for %s", st.Name, name)
			}
			if c.Health.Check == config.CheckExec && !slices.Equal(got, c.Health.Command) {
				t.Fatalf("gate of %s: command of %s is %q, configured %q", st.Name, name, got, c.Health.Command)
			}
		}
	}
}

func gateName(st *config.Stage) string {
	n, _ := units.GateService(st.Name)
	return n
}

func execArgv(t *testing.T, what string, u *unitstest.Unit, key string) []string {
	t.Helper()
	vs := u.Lookup("Service", key)
	if len(vs) != 1 {
		t.Fatalf("%s: %d %s= lines", what, len(vs), key)
	}
	cmd, err := unitstest.DecodeExec(vs[0], systemSpecifiers(what))
	if err != nil {
		t.Fatalf("%s: %s=%s: %v", what, key, vs[0], err)
	}
	return cmd.Argv
}

// systemSpecifiers are the specifiers a runtime may write on purpose, as
// the system manager expands them for unit name.
func systemSpecifiers(name string) unitstest.Specifiers {
	return unitstest.Specifiers{'n': name, 'N': strings.TrimSuffix(name, filepath.Ext(name)), 't': "/run"}
}

func mustText(t *testing.T, v string) string {
	t.Helper()
	s, err := unitstest.DecodeText(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// containsRun reports whether run appears in argv as consecutive words.
func containsRun(argv, run []string) bool {
	for i := 0; i+len(run) <= len(argv); i++ {
		if slices.Equal(argv[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// TestHostileSeed makes sure the hostile seed is a valid service, so that
// FuzzGenerate holds real units, not stand-ins, to their configuration.
func TestHostileSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stages, err := os.ReadFile("../contrib/examples/three-stage/stages.toml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "stages.toml"), string(stages))
	write(t, filepath.Join(dir, "services", "x.toml"), hostileService)
	out := generate(t, dir)
	for _, p := range out.Problems {
		if !p.Warning {
			t.Errorf("the hostile seed is invalid: %v", p)
		}
	}
	if len(out.Tree.Services) != 1 || len(out.Tree.Services[0].Components) != 2 {
		t.Fatalf("services: %+v", out.Tree.Services)
	}
	checkOutput(t, out)
	for _, u := range out.Units {
		if u.Name == "x-api.service" && testing.Verbose() {
			t.Logf("%s", u.Bytes())
		}
	}
}

// TestVerifyHostile has systemd itself load what the hostile seed and the
// three-stage example generate: `systemd-analyze verify` must accept every
// unit without a word. The executables must exist for verify, so they
// point at /bin/true here.
func TestVerifyHostile(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	t.Parallel()
	cfg := t.TempDir()
	stages, err := os.ReadFile("../contrib/examples/three-stage/stages.toml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(cfg, "stages.toml"), string(stages))
	write(t, filepath.Join(cfg, "services", "x.toml"), hostileService)
	files, _ := filepath.Glob("../contrib/examples/three-stage/services/*.toml")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(cfg, "services", filepath.Base(f)), string(src))
	}
	host := fuzzHost
	host.Podman, host.Healthd = "/bin/true", "/bin/true"
	out, err := generator.Generate(generator.Options{ConfigPath: []string{cfg}, Hostname: fuzzHostname, Host: &host})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := out.Write(dir); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, u := range out.Units {
		paths = append(paths, filepath.Join(dir, u.Name))
	}
	cmd := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, paths...)...)
	if b, err := cmd.CombinedOutput(); err != nil || len(b) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, b)
	}
}

// FuzzStructure builds service files from a program of shape bytes, so
// that the fuzzer explores depth and width rather than characters: each
// byte opens arrays or inline tables, closes them, writes a run of keys,
// elements or dotted keys, a table header, a long string, or the text it
// is given, with a count that reaches a megabyte in a few bytes. Whatever
// the file is, the generator must not panic or hang, must write the good
// service beside it, and must say what is wrong in a few lines of the
// project's format; the units it writes must read back as their models.
func FuzzStructure(f *testing.F) {
	f.Add([]byte{0x00, 0x02}, "x", true)                   // ["x"]
	f.Add([]byte{0xf8, 0x03}, "1", false)                  // deep arrays
	f.Add([]byte{0xf9, 0x05}, "", true)                    // deep inline tables
	f.Add([]byte{0xfc}, "k", false)                        // a run of keys
	f.Add([]byte{0xf5}, "a", false)                        // dotted keys, deep
	f.Add([]byte{0x96}, "", true)                          // a header 18 parts long
	f.Add([]byte{0xfa}, "é", false)                        // a long string
	f.Add([]byte{0x40, 0xb1, 0x7c, 0x0b, 0x02}, "=", true) // mixed, broken
	f.Add([]byte{0x28, 0x02, 0xfb}, "x", true)             // arrays 16 deep: valid
	f.Add([]byte{0x30, 0x02, 0xfb}, "x", false)            // 32 deep: over by one
	f.Add([]byte{0x69, 0x22, 0xfb}, "v", true)             // inline tables 2048 wide
	stages, err := os.ReadFile("../contrib/examples/three-stage/stages.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, shape []byte, text string, withStages bool) {
		src := shapeFile(shape, text)
		defer hangGuard(src)()
		dir := t.TempDir()
		if withStages {
			write(t, filepath.Join(dir, "stages.toml"), string(stages))
		}
		write(t, filepath.Join(dir, "services", "x.toml"), src)
		good := "[[components]]\nimage = \"localhost/good\"\nhealth.check = \"none\"\n"
		if withStages {
			good = "stage = \"core\"\n" + good
		}
		write(t, filepath.Join(dir, "services", "good.toml"), good)
		out := generate(t, dir)
		if !slices.ContainsFunc(out.Tree.Services, func(s *config.Service) bool { return s.Name == "good" }) {
			t.Fatalf("the good service is lost: %v", out.Problems)
		}
		checkProblems(t, out.Problems)
		checkOutput(t, out)
	})
}

// checkProblems holds problems to the project's one format, and to a size
// a log and a failing unit can hold.
func checkProblems(t *testing.T, ps config.Problems) {
	t.Helper()
	if len(ps) > 60 {
		t.Fatalf("%d problems", len(ps))
	}
	for _, p := range ps {
		msg := p.Error()
		if rest, ok := strings.CutPrefix(msg, p.File); !ok || len(msg) > 2500 || strings.Contains(rest, "toml:") {
			t.Fatalf("problem out of format: %.3000s", msg)
		}
	}
}

// shapeFile runs a shape program. Each byte is an operation (its low three
// bits) and a count (the high five: 1 << (b>>3) / 2, from 0 to 2^30, the
// file stopping at a little over a megabyte).
func shapeFile(shape []byte, text string) string {
	const limit = 1<<20 + 4096
	var b strings.Builder
	b.WriteString("[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n")
	var open []byte // the closing brackets of what is open
	first := true   // no element or key yet in what is open
	sep := func() {
		if len(open) > 0 && !first {
			b.WriteString(", ")
		}
		first = false
	}
	// key starts a value where one is due: after a key at the top, after
	// "k = " in an inline table, as is in an array.
	key := func(i int) {
		sep()
		if len(open) == 0 || open[len(open)-1] == '}' {
			fmt.Fprintf(&b, "k%d = ", i)
		}
	}
	for _, op := range shape {
		n := (1 << (op >> 3)) / 2
		for i := 0; i < max(n, 1) && b.Len() < limit; i++ {
			switch op & 7 {
			case 0: // open an array
				key(i)
				b.WriteByte('[')
				open, first = append(open, ']'), true
			case 1: // open an inline table
				key(i)
				b.WriteByte('{')
				open, first = append(open, '}'), true
			case 2: // a string of the text
				key(i)
				b.WriteString(strconv.Quote(text))
			case 3: // close
				if len(open) > 0 {
					b.WriteByte(open[len(open)-1])
					open, first = open[:len(open)-1], false
				}
			case 4: // a key or element with a number
				key(i)
				b.WriteString(strconv.Itoa(i))
			case 5: // a dotted key, as long as the count
				if len(open) == 0 {
					b.WriteString("\n" + strings.Repeat("d.", min(n, limit/2)) + "d = 1\n")
					i = n
				}
			case 6: // a table header, as deep as the count
				for len(open) > 0 {
					b.WriteByte(open[len(open)-1])
					open = open[:len(open)-1]
				}
				b.WriteString("\n[components" + strings.Repeat(".t", min(n, limit/2)) + "]\n")
				i, first = n, true
			case 7: // the text itself, as it is
				b.WriteString(text)
			}
			if len(open) == 0 && op&7 != 6 && op&7 != 5 {
				b.WriteByte('\n')
			}
		}
	}
	for len(open) > 0 {
		b.WriteByte(open[len(open)-1])
		open = open[:len(open)-1]
	}
	return b.String()
}

// TestShapeFile pins what a few shape programs write.
func TestShapeFile(t *testing.T) {
	t.Parallel()
	const head = "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n"
	for _, c := range []struct {
		shape []byte
		text  string
		want  string
	}{
		{[]byte{0x00, 0x02, 0x03}, "x", head + "k0 = [\"x\"]\n"},
		{[]byte{0x10, 0x03}, "", head + "k0 = [[]]"}, // what is open is closed at the end
		{[]byte{0x09, 0x04}, "", head + "k0 = {k0 = 0}"},
		{[]byte{0x14}, "", head + "k0 = 0\nk1 = 1\n"},
		{[]byte{0x1e}, "", head + "\n[components.t.t.t.t]\n"},
		{[]byte{0x02, 0x07}, "#", head + "k0 = \"#\"\n#\n"},
	} {
		if got := shapeFile(c.shape, c.text); got != c.want {
			t.Errorf("shape %x: %q, want %q", c.shape, got, c.want)
		}
	}
}
