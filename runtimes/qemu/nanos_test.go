package qemu

import (
	"reflect"
	"slices"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
)

// Each Nanos file is found where bootstage.toml names it, else in the
// first default directory that has it; what is missing is said with where
// it was looked for.
func TestFindNanos(t *testing.T) {
	t.Parallel()
	at := func(v string) config.Setting {
		return config.Setting{Value: v, At: "/etc/bootstage/bootstage.toml:3:8"}
	}
	cases := []struct {
		name  string
		set   config.NanosFiles
		there []string
		want  runtimes.Nanos
	}{
		{"all in the first directory", config.NanosFiles{},
			[]string{"/usr/lib/nanos/kernel.img", "/usr/lib/nanos/boot.img", "/usr/lib/nanos/mkfs", "/usr/local/lib/nanos/mkfs"},
			runtimes.Nanos{Kernel: "/usr/lib/nanos/kernel.img", Boot: "/usr/lib/nanos/boot.img", Mkfs: "/usr/lib/nanos/mkfs"}},
		{"one in the second", config.NanosFiles{},
			[]string{"/usr/lib/nanos/kernel.img", "/usr/lib/nanos/boot.img", "/usr/local/lib/nanos/mkfs"},
			runtimes.Nanos{Kernel: "/usr/lib/nanos/kernel.img", Boot: "/usr/lib/nanos/boot.img", Mkfs: "/usr/local/lib/nanos/mkfs"}},
		{"none", config.NanosFiles{}, nil, runtimes.Nanos{Kernel: "/usr/lib/nanos/kernel.img", Boot: "/usr/lib/nanos/boot.img",
			Mkfs: "/usr/lib/nanos/mkfs", Missing: "kernel.img is in neither /usr/lib/nanos nor /usr/local/lib/nanos; " +
				"boot.img is in neither /usr/lib/nanos nor /usr/local/lib/nanos; mkfs is in neither /usr/lib/nanos nor /usr/local/lib/nanos"}},
		{"named, and not there", config.NanosFiles{Mkfs: at("/opt/nanos/mkfs")},
			[]string{"/usr/lib/nanos/kernel.img", "/usr/lib/nanos/boot.img", "/usr/lib/nanos/mkfs"},
			runtimes.Nanos{Kernel: "/usr/lib/nanos/kernel.img", Boot: "/usr/lib/nanos/boot.img", Mkfs: "/opt/nanos/mkfs",
				Missing: "/opt/nanos/mkfs (set at /etc/bootstage/bootstage.toml:3:8) does not exist"}},
	}
	for _, tc := range cases {
		got := FindNanos(tc.set, func(p string) bool { return slices.Contains(tc.there, p) })
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// What the unit says is what prepare reads: Flags and ParseNanosBuild
// are inverses, whatever the arguments look like.
func TestNanosBuildRoundTrip(t *testing.T) {
	t.Parallel()
	base := NanosBuild{State: "/var/lib/bootstage/vm/x", Kernel: "/k", Boot: "/b", Mkfs: "/m"}
	program := base
	program.Program = "/opt/app"
	program.Args = []string{"--arg", "--state", "", "a b", "--entrypoint"}
	program.Env = []config.EnvVar{{Key: "A", Value: "--env"}, {Key: "B", Value: "x=y"}}
	program.Mounts = []Mount{{Tag: 0, Path: "/data"}, {Tag: 1, Path: "/etc/x", ReadOnly: true}}
	path := base
	path.Podman, path.Image, path.Path = "/usr/bin/podman", "localhost/app:1", "/app"
	entry := path
	entry.Path, entry.ImageCmd = "", true
	for _, b := range []NanosBuild{program, path, entry} {
		var words []string
		for _, g := range b.Flags() {
			words = append(words, g...)
		}
		got, err := ParseNanosBuild(words)
		if err != nil {
			t.Fatalf("%q: %v", words, err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Errorf("%q reads back as\n%+v\nwant\n%+v", words, got, b)
		}
	}
	for _, bad := range []struct {
		words []string
		want  string
	}{
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b"}, "missing --mkfs"},
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b", "--mkfs", "/m"}, "the program comes from --program or --image"},
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b", "--mkfs", "/m", "--program", "/p", "--arg"}, "--arg needs a value"},
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b", "--mkfs", "/m", "--program", "/p", "--mount", "x:/d"}, `--mount "x:/d": expected TAG:PATH[:ro], TAG a number`},
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b", "--mkfs", "/m", "--podman", "/p", "--image", "i"}, "--image needs exactly one of --path and --entrypoint"},
		{[]string{"--state", "/s", "--kernel", "/k", "--boot", "/b", "--mkfs", "/m", "--program", "/p", "--ops", "/o"}, `unknown flag "--ops"`},
	} {
		if _, err := ParseNanosBuild(bad.words); err == nil || err.Error() != bad.want {
			t.Errorf("%q: %v, want %s", bad.words, err, bad.want)
		}
	}
}

// argv[0] is the program's name; an entrypoint brings its own arguments,
// then cmd or, when the build says so, the image's CMD.
func TestNanosBuildRun(t *testing.T) {
	t.Parallel()
	entry, cmd := []string{"/app/entry", "-v"}, []string{"serve"}
	cases := []struct {
		b     NanosBuild
		guest string
		argv  []string
		err   string
	}{
		{NanosBuild{Program: "/opt/app", Args: []string{"x"}}, "/opt/app", []string{"app", "x"}, ""},
		{NanosBuild{Image: "i", Path: "/usr/bin/app"}, "/usr/bin/app", []string{"app"}, ""},
		{NanosBuild{Image: "i", ImageCmd: true}, "/app/entry", []string{"entry", "-v", "serve"}, ""},
		{NanosBuild{Image: "i", Args: []string{"mine"}}, "/app/entry", []string{"entry", "-v", "mine"}, ""},
	}
	for _, tc := range cases {
		guest, argv, err := tc.b.Run(entry, cmd)
		if err != nil || guest != tc.guest || !slices.Equal(argv, tc.argv) {
			t.Errorf("%+v: %s %q %v, want %s %q", tc.b, guest, argv, err, tc.guest, tc.argv)
		}
	}
	if _, _, err := (NanosBuild{Image: "i"}).Run([]string{"app"}, nil); err == nil ||
		err.Error() != `the entrypoint of image i is "app", not an absolute path: set image_path to its program` {
		t.Errorf("relative entrypoint: %v", err)
	}
	if _, _, err := (NanosBuild{Image: "i"}).Run(nil, cmd); err == nil ||
		err.Error() != "image i has no entrypoint: set image_path to its program" {
		t.Errorf("no entrypoint: %v", err)
	}
}

// Values are written bare when nothing in them is special to Nanos's
// tuple syntax, quoted otherwise; names also end at ':', '|' and '/'.
func TestTupleQuoting(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain": "plain", "/bin:/usr/bin": "/bin:/usr/bin", "--flag=x,y": "--flag=x,y", "100%": "100%",
		"": `""`, "two words": `"two words"`, `say "hi"`: `"say \"hi\""`, `a\b`: `"a\\b"`,
		"#x": `"#x"`, "a#b": `"a#b"`, "(x)": `"(x)"`, "[x]": `"[x]"`, "$HOME": `"$HOME"`, "tab\tx": "\"tab\tx\"",
	} {
		if got := tupleValue(in); got != want {
			t.Errorf("value %q: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"lib": "lib", "x86_64-linux-gnu": "x86_64-linux-gnu",
		"libc.so.6": "libc.so.6", "a:b": `"a:b"`, "a|b": `"a|b"`, "my dir": `"my dir"`} {
		if got := tupleName(in); got != want {
			t.Errorf("name %q: %s, want %s", in, got, want)
		}
	}
}
