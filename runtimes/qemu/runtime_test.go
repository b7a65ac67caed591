package qemu

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/units"
	"github.com/bootstage/bootstage/units/unitstest"
)

var update = flag.Bool("update", false, "rewrite the golden unit files in testdata/units")

// maxExposure is the highest `systemd-analyze security` exposure a VM unit
// may have (issue 4: 5.0 or lower).
const maxExposure = 5.0

var host = runtimes.Host{
	Podman:    "/usr/bin/podman",
	QEMU:      "/usr/bin/qemu-system-x86_64",
	Bootstage: "/usr/bin/bootstage",
	Healthd:   "/usr/libexec/bootstage/bootstage-healthd",
	Nanos: runtimes.Nanos{Kernel: "/usr/lib/nanos/kernel.img", Boot: "/usr/lib/nanos/boot.img",
		Mkfs: "/usr/lib/nanos/mkfs"},
}

func kernelVM() *config.Component {
	return &config.Component{
		Runtime: config.QEMU, Kernel: "/var/lib/bootstage/guests/web/vmlinuz",
		Initrd: "/var/lib/bootstage/guests/web/initrd.gz", Append: "console=ttyS0 quiet",
		MemoryMB: 256, VCPUs: 1, Accel: "tcg", Restart: config.RestartOnFailure,
		Ports: []config.Port{
			{HostIP: "127.0.0.1", HostPort: 28080, ContainerPort: 80, Proto: "tcp"},
			{HostPort: 25353, ContainerPort: 53, Proto: "udp"},
			{HostIP: "::1", HostPort: 28443, ContainerPort: 443, Proto: "tcp"},
		},
	}
}

// goldenCase is one unit the tests render: the golden file
// testdata/units/NAME.service holds what Fill writes for it, headed by why.
type goldenCase struct {
	name string
	why  string
	kvm  bool // runtimes.Host.KVM
	c    func() *config.Component
}

var goldenCases = []goldenCase{
	{"kernel-tcg", "kernel + initrd + append under TCG; tcp/udp/IPv6 forwards keep their host address", false, kernelVM},
	{"kernel-kvm", `accel = "kvm": accel=kvm, /dev/kvm allowed, group kvm`, false, func() *config.Component {
		c := kernelVM()
		c.Accel = "kvm"
		return c
	}},
	{"auto-kvm", `accel = "auto" on a host where DetectKVM said yes: KVM`, true, func() *config.Component {
		c := kernelVM()
		c.Accel = "auto"
		return c
	}},
	{"auto-tcg", `accel unset (auto) on a host without hardware virtualization: TCG`, false, func() *config.Component {
		c := kernelVM()
		c.Accel = ""
		return c
	}},
	{"disk-raw-snapshot", "raw disk, snapshot = true: the guest's writes vanish; nothing to write on the host", false,
		func() *config.Component {
			return &config.Component{Runtime: config.QEMU, Disk: "/srv/vm/appliance,v2.img", Snapshot: true,
				MemoryMB: 512, VCPUs: 2, Restart: config.RestartAlways}
		}},
	{"disk-qcow2", "qcow2 disk, writable: ReadWritePaths= names it; root without capabilities, since a dynamic user could not write it", false, func() *config.Component {
		return &config.Component{Runtime: config.QEMU, Disk: "/srv/vm/db.qcow2", MemoryMB: 1024, VCPUs: 2,
			StopTimeout: 2 * time.Minute, Restart: config.RestartUnlessStopped}
	}},
	{"image", "image + image_path: a privileged ExecStartPre extracts the disk; it boots with snapshot=on", false,
		func() *config.Component {
			return &config.Component{Runtime: config.QEMU, Image: "localhost/appliance:1.2",
				ImagePath: "/disk/appliance.qcow2", MemoryMB: 256, StartTimeout: 5 * time.Minute,
				Ports: []config.Port{{HostIP: "127.0.0.1", HostPort: 28081, ContainerPort: 8080, Proto: "tcp"}}}
		}},
	{"nanos-image", "Nanos: the ELF at image_path in the image, built into the state directory before start", false, func() *config.Component {
		return &config.Component{Runtime: config.QEMU, Image: "registry.example/metacrypt:v1.0.0",
			ImagePath: "/usr/local/bin/metacrypt", Nanos: true, MemoryMB: 256, VCPUs: 1,
			Cmd:   []string{"server", "--config", "/srv/metacrypt/my config.toml"},
			Env:   []config.EnvVar{{Key: "GREETING", Value: `say "hi"`}},
			Ports: []config.Port{{HostIP: "127.0.0.1", HostPort: 28443, ContainerPort: 8443, Proto: "tcp"}}}
	}},
	{"nanos-program", "Nanos: a static ELF of the host, the image's entrypoint elsewhere; shares tagged 0 and 1, both opened read-write by qemu", false, func() *config.Component {
		return &config.Component{Runtime: config.QEMU, Program: "/var/lib/bootstage/elf/echo", Nanos: true,
			MemoryMB: 64, VCPUs: 2, Restart: config.RestartAlways,
			Volumes: []config.Volume{
				{Host: "/srv/echo/data", Container: "/data"},
				{Host: "/srv/echo/motd", Container: "/etc/motd.d", Options: []string{"ro"}},
			}}
	}},
	{"nanos-entrypoint", "Nanos: the image's entrypoint and, without cmd, its CMD", false, func() *config.Component {
		return &config.Component{Runtime: config.QEMU, Image: "localhost/echo:1", Nanos: true, MemoryMB: 128}
	}},
	{"volumes", "virtfs shares vol0 (ro) and vol1 (rw, so ReadWritePaths=), and qemu_args last", false,
		func() *config.Component {
			c := kernelVM()
			c.Ports = nil
			c.Volumes = []config.Volume{
				{Host: "/srv/web/static", Container: "/www", Options: []string{"ro"}},
				{Host: "/srv/web/100%,data", Container: "/data"},
			}
			c.QEMUArgs = []string{"-rtc", "base=utc", "-device", "virtio-rng-pci"}
			return c
		}},
}

func render(t *testing.T, gc goldenCase, h runtimes.Host) *units.File {
	t.Helper()
	h.KVM = gc.kvm
	name, err := units.ServiceName("demo", gc.name)
	if err != nil {
		t.Fatal(err)
	}
	f := units.NewFile(name, "case "+gc.name+": "+gc.why)
	f.Section("Unit").Text("Description", "demo/"+gc.name+" (qemu)")
	Runtime{}.Fill(f, &config.Service{Name: "demo"}, gc.c(), h)
	if err := f.Err(); err != nil {
		t.Fatalf("Fill: %v", err)
	}
	return f
}

func TestGoldenUnits(t *testing.T) {
	t.Parallel()
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			got := render(t, gc, host).Bytes()
			golden := filepath.Join("testdata", "units", gc.name+".service")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("unit differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

// The accel modes differ where they must, and auto resolves through
// Host.KVM only.
func TestAccelModes(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"kernel-tcg": "tcg", "auto-tcg": "tcg", "kernel-kvm": "kvm", "auto-kvm": "kvm"}
	for _, gc := range goldenCases {
		want, ok := cases[gc.name]
		if !ok {
			continue
		}
		f := render(t, gc, host)
		start := execLine(f, "ExecStart")
		if !strings.Contains(start, "q35,accel="+want+" ") {
			t.Errorf("%s: ExecStart has no accel=%s:\n%s", gc.name, want, start)
		}
		dev := f.Lookup("Service", "DeviceAllow")
		if (want == "kvm") != (len(dev) == 1 && dev[0] == "/dev/kvm rw") {
			t.Errorf("%s: DeviceAllow=%q for accel %s", gc.name, dev, want)
		}
		if priv := f.Lookup("Service", "PrivateDevices"); (want == "tcg") != (len(priv) == 1) {
			t.Errorf("%s: PrivateDevices=%q for accel %s", gc.name, priv, want)
		}
	}
}

// execLine is the whole command line of key, continuation lines included.
func execLine(f *units.File, key string) string {
	for _, s := range f.Sections() {
		for _, e := range s.Entries {
			if e.Key == key {
				return strings.Join(append([]string{e.Value}, e.Lines...), " ")
			}
		}
	}
	return ""
}

// fakeTools puts an executable stand-in for every host tool that is not
// installed here, so that systemd-analyze verify checks the unit and not
// this machine's packages.
func fakeTools(t *testing.T) runtimes.Host {
	dir := t.TempDir()
	h := host
	for _, p := range []*string{&h.Podman, &h.Bootstage} {
		if _, err := os.Stat(*p); err == nil {
			continue
		}
		fake := filepath.Join(dir, filepath.Base(*p))
		if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		*p = fake
	}
	return h
}

func systemdAnalyze(t *testing.T) string {
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	if _, err := os.Stat(host.QEMU); err != nil {
		t.Skipf("%s is not installed: verify checks ExecStart's binary (apt install qemu-system-x86)", host.QEMU)
	}
	return p
}

// Every golden unit passes systemd-analyze verify and rates an exposure of
// maxExposure or lower.
func TestUnitsVerifyAndSecurity(t *testing.T) {
	t.Parallel()
	sa := systemdAnalyze(t)
	h := fakeTools(t)
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			f := render(t, gc, h)
			file := filepath.Join(t.TempDir(), f.Name)
			if err := os.WriteFile(file, f.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(sa, "verify", "--man=no", file).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, f.Bytes())
			}
			score, out, err := unitstest.Exposure(sa, file)
			if err != nil {
				t.Fatal(err)
			}
			if score > maxExposure {
				t.Errorf("exposure %.1f > %.1f:\n%s", score, maxExposure, out)
			}
			t.Logf("exposure %.1f", score)
		})
	}
}
