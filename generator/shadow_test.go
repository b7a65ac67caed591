package generator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shadowTree writes files (relative path -> content; "-> TARGET" makes a
// symlink) under a temporary directory: the config tree under etc/bootstage,
// fake unit search path directories under etc/systemd/system,
// lib/systemd/system (absent unless made) and usr/lib/systemd/system. It
// returns the directory.
func shadowTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc/bootstage/services", "etc/systemd/system", "usr/lib/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// generateShadow generates the tree of shadowTree for the fake unit search
// path, and returns the problems (root shown as "") and the written files.
func generateShadow(t *testing.T, root string) ([]string, map[string][]byte) {
	t.Helper()
	h := goldenHost
	for _, d := range []string{"etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"} {
		h.UnitPath = append(h.UnitPath, filepath.Join(root, d))
	}
	out, err := Generate(Options{ConfigPath: []string{filepath.Join(root, "etc/bootstage")}, Hostname: "node1", Host: &h})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, p := range out.Problems {
		problems = append(problems, strings.ReplaceAll(p.Error(), root, ""))
	}
	return problems, out.Files()
}

const (
	plainService  = "[[components]]\nimage = \"x\"\nhealth.check = \"none\"\n"
	fileHint      = " (rename the file: bootstage never replaces or hides a unit of the system)"
	nameHint      = " (rename the service or the component: bootstage never replaces or hides a unit of the system)"
	componentKeys = "accel, append, auto_update, cmd, cpus, disk, entrypoint, env, env_file, health, image, image_path, init, initrd, kernel, memory, memory_mb, name, network, pids_limit, podman_args, ports, program, qemu_args, restart, routes, runtime, secrets, snapshot, start_timeout, stop_timeout, user, vcpus, volumes"
	ownHint       = " (remove or rename this file: bootstage-*.target, bootstage-*-gate.service and bootstage.target are bootstage's)"
)

// Each case is one way a service file would shadow a unit of the system:
// the exact problem, the units that must not be written, and web.service,
// the rest of the stack, generated as usual.
func TestShadowing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    []string // problems
		missing []string // units not written
		written []string // units written besides web.service
	}{
		{"special unit", map[string]string{"etc/bootstage/services/dbus.toml": plainService},
			[]string{"/etc/bootstage/services/dbus.toml: unit dbus.service would shadow systemd's dbus.service, a special unit of systemd.special(7)" + fileHint},
			[]string{"dbus.service"}, nil},
		{"special unit of another type", map[string]string{"etc/bootstage/services/basic.toml": plainService},
			[]string{"/etc/bootstage/services/basic.toml: unit basic.service would shadow systemd's basic.target, a special unit of systemd.special(7)" + fileHint},
			[]string{"basic.service"}, nil},
		{"systemd namespace", map[string]string{"etc/bootstage/services/systemd-journald.toml": plainService},
			[]string{"/etc/bootstage/services/systemd-journald.toml: unit systemd-journald.service would shadow systemd's own systemd-journald.service: systemd-* is systemd's namespace" + fileHint},
			[]string{"systemd-journald.service"}, nil},
		{"systemd itself", map[string]string{"etc/bootstage/services/systemd.toml": plainService},
			[]string{"/etc/bootstage/services/systemd.toml: unit systemd.service would shadow systemd's own systemd.service: the name is systemd's" + fileHint},
			[]string{"systemd.service"}, nil},
		{"template systemd ships", map[string]string{"etc/bootstage/services/serial-getty.toml": plainService},
			[]string{"/etc/bootstage/services/serial-getty.toml: unit serial-getty.service would shadow systemd's serial-getty@.service, a unit systemd itself ships" + fileHint},
			[]string{"serial-getty.service"}, nil},
		{"rescue", map[string]string{"etc/bootstage/services/rescue.toml": plainService},
			[]string{"/etc/bootstage/services/rescue.toml: unit rescue.service would shadow systemd's rescue.service, a unit systemd itself ships" + fileHint},
			[]string{"rescue.service"}, nil},
		{"D-Bus alias systemd installs", map[string]string{"etc/bootstage/services/dbus-org.freedesktop.login1.toml": plainService},
			[]string{"/etc/bootstage/services/dbus-org.freedesktop.login1.toml: unit dbus-org.freedesktop.login1.service would shadow systemd's own dbus-org.freedesktop.login1.service: dbus-org.freedesktop.* is systemd's namespace" + fileHint},
			[]string{"dbus-org.freedesktop.login1.service"}, nil},
		{"component name makes a systemd unit", map[string]string{"etc/bootstage/services/systemd.toml": "[[components]]\nname = \"logind\"\nimage = \"x\"\nhealth.check = \"none\"\n"},
			[]string{"/etc/bootstage/services/systemd.toml:2:8: components[0].name: unit systemd-logind.service would shadow systemd's own systemd-logind.service: systemd-* is systemd's namespace" + nameHint},
			[]string{"systemd-logind.service", "systemd.service"}, nil},
		{"one component refuses the file; the stand-in says why", map[string]string{"etc/bootstage/services/multi.toml": "[[components]]\nname = \"api\"\nimage = \"x\"\nhealth.check = \"none\"\n[[components]]\nname = \"user\"\nimage = \"x\"\nhealth.check = \"none\"\n"},
			[]string{"/etc/bootstage/services/multi.toml:6:8: components[1].name: unit multi-user.service would shadow systemd's multi-user.target, a special unit of systemd.special(7)" + nameHint},
			[]string{"multi-user.service", "multi-api.service"}, []string{"multi.service"}},
		{"unit file in /usr/lib", map[string]string{"etc/bootstage/services/cron.toml": plainService, "usr/lib/systemd/system/cron.service": "[Unit]\n"},
			[]string{"/etc/bootstage/services/cron.toml: unit cron.service would shadow the system's /usr/lib/systemd/system/cron.service" + fileHint},
			[]string{"cron.service"}, nil},
		{"unit file in /etc", map[string]string{"etc/bootstage/services/cron.toml": plainService, "etc/systemd/system/cron.service": "[Unit]\n"},
			[]string{"/etc/bootstage/services/cron.toml: unit cron.service would shadow the system's /etc/systemd/system/cron.service" + fileHint},
			[]string{"cron.service"}, nil},
		{"merged /usr: one directory, two names", map[string]string{"etc/bootstage/services/cron.toml": plainService, "lib": "-> usr/lib", "usr/lib/systemd/system/cron.service": "[Unit]\n"},
			[]string{"/etc/bootstage/services/cron.toml: unit cron.service would shadow the system's /lib/systemd/system/cron.service" + fileHint},
			[]string{"cron.service"}, nil},
		{"alias", map[string]string{"etc/bootstage/services/sshd.toml": plainService, "etc/systemd/system/sshd.service": "-> /lib/systemd/system/ssh.service"},
			[]string{"/etc/bootstage/services/sshd.toml: unit sshd.service would shadow the system's /etc/systemd/system/sshd.service" + fileHint},
			[]string{"sshd.service"}, nil},
		{"named component", map[string]string{"etc/bootstage/services/shop.toml": "[[components]]\nname = \"db\"\nimage = \"x\"\nhealth.check = \"none\"\n", "usr/lib/systemd/system/shop-db.service": "[Unit]\n"},
			[]string{"/etc/bootstage/services/shop.toml:2:8: components[0].name: unit shop-db.service would shadow the system's /usr/lib/systemd/system/shop-db.service" + nameHint},
			[]string{"shop-db.service"}, []string{"shop.service"}},
		{"a mask is not a unit", map[string]string{"etc/bootstage/services/cron.toml": plainService, "etc/systemd/system/cron.service": "-> /dev/null"},
			nil, nil, []string{"cron.service"}},
		{"an empty file is a mask", map[string]string{"etc/bootstage/services/cron.toml": plainService, "etc/systemd/system/cron.service": ""},
			nil, nil, []string{"cron.service"}},
		{"a mask over a unit file", map[string]string{"etc/bootstage/services/cron.toml": plainService, "etc/systemd/system/cron.service": "-> /dev/null", "usr/lib/systemd/system/cron.service": "[Unit]\n"},
			[]string{"/etc/bootstage/services/cron.toml: unit cron.service would shadow the system's /usr/lib/systemd/system/cron.service" + fileHint},
			[]string{"cron.service"}, nil},
		{"drop-ins and wants are not units", map[string]string{"etc/bootstage/services/cron.toml": plainService,
			"etc/systemd/system/cron.service.d/x.conf": "[Service]\n", "etc/systemd/system/cron.service.wants/y.service": "-> /lib/systemd/system/y.service"},
			nil, nil, []string{"cron.service"}},
		{"template of the system", map[string]string{"etc/bootstage/services/foo.toml": plainService, "usr/lib/systemd/system/foo@.service": "[Unit]\n"},
			nil, nil, []string{"foo.service"}},
		{"stand-in of a broken file", map[string]string{"etc/bootstage/services/emergency.toml": plainService + "colour = \"red\"\n"},
			[]string{"/etc/bootstage/services/emergency.toml: unit emergency.service would shadow systemd's emergency.service, a unit systemd itself ships" + fileHint,
				"/etc/bootstage/services/emergency.toml:4:1: components[0].colour: unknown key (known keys here: " + componentKeys + ")"},
			[]string{"emergency.service"}, nil},
		{"a file name that needs escaping gets no stand-in", map[string]string{"etc/bootstage/services/getty@.toml": plainService},
			[]string{`/etc/bootstage/services/getty@.toml: invalid service name "getty@" (letters, digits and . _ -, starting with a letter or digit, up to 64 bytes: rename the file)`},
			[]string{`getty\x40.service`, "getty@.service"}, nil},
		{"stage target, implicit stage", map[string]string{"etc/systemd/system/bootstage-default.target": "[Unit]\n"},
			[]string{"/etc/systemd/system/bootstage-default.target: this unit of the system has the name of bootstage's own bootstage-default.target, which is not written" + ownHint},
			[]string{"bootstage-default.target"}, []string{"bootstage-default-gate.service", "bootstage.target"}},
		{"gate of a stage of stages.toml", map[string]string{"etc/bootstage/stages.toml": "[[stage]]\nname = \"base\"\n[[stage]]\nname = \"core\"\n",
			"etc/bootstage/services/web.toml": "stage = \"core\"\n" + plainService, "usr/lib/systemd/system/bootstage-core-gate.service": "[Unit]\n"},
			[]string{`/etc/bootstage/stages.toml:4:8: stage[1].name: unit bootstage-core-gate.service of stage "core" would shadow the system's /usr/lib/systemd/system/bootstage-core-gate.service, so it is not written (remove or rename that file, or rename the stage: bootstage never replaces or hides a unit of the system)`},
			[]string{"bootstage-core-gate.service"}, []string{"bootstage-core.target", "bootstage-base.target", "bootstage-base-gate.service"}},
		{"bootstage.target", map[string]string{"etc/systemd/system/bootstage.target": "-> /opt/old/bootstage.target"},
			[]string{"/etc/systemd/system/bootstage.target: this unit of the system has the name of bootstage's own bootstage.target, which is not written" + ownHint},
			[]string{"bootstage.target", "multi-user.target.wants/bootstage.target"}, []string{"bootstage-default.target"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := tc.files["etc/bootstage/services/web.toml"]; !ok {
				tc.files["etc/bootstage/services/web.toml"] = plainService
			}
			problems, files := generateShadow(t, shadowTree(t, tc.files))
			if !slices.Equal(problems, tc.want) {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(problems, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, u := range tc.missing {
				if _, ok := files[u]; ok {
					t.Errorf("%s is written", u)
				}
			}
			for _, u := range append(tc.written, "web.service") {
				if _, ok := files[u]; !ok {
					t.Errorf("%s is not written", u)
				}
			}
		})
	}
}

func TestUnitPath(t *testing.T) {
	t.Parallel()
	for env, want := range map[string][]string{
		"":                                 DefaultUnitPath,
		"/a:/b/":                           {"/a", "/b"},
		"/a:/run/systemd/generator":        {"/a"},
		"/a::/run/systemd/generator.late:": append([]string{"/a"}, DefaultUnitPath...),
	} {
		if got := UnitPath(env); !slices.Equal(got, want) {
			t.Errorf("UnitPath(%q) = %q, want %q", env, got, want)
		}
	}
}
