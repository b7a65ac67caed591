package podman

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config"
)

// TestSystemdAnalyzeVerify writes units through File.Bytes and has systemd
// itself load them: any warning (unknown key, bad quoting, a command that
// is not executable) fails the test.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian: apt-get install systemd)")
	}
	for _, p := range []string{testHost.Podman, rmPath} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s must exist for verify to accept the unit: %v", p, err)
		}
	}
	full := basic()
	full.Cmd = []string{"server", "--config", "/srv/metacrypt/metacrypt.toml"}
	full.Env = []config.EnvVar{{Key: "LOG_LEVEL", Value: "info"}, {Key: "A", Value: "1"}}
	full.Ports = []config.Port{{HostIP: "127.0.0.1", HostPort: 18443, ContainerPort: 8443}, {HostPort: 53, ContainerPort: 53, Proto: "udp"}}
	full.Volumes = []config.Volume{{Host: "/srv/metacrypt", Container: "/srv/metacrypt", Options: []string{"ro"}}}
	full.Network, full.User, full.Restart = "mcpnet", "0:0", config.RestartUnlessStopped
	full.Entrypoint = []string{"/bin/sh", "-c"}
	full.PodmanArgs = []string{"--init"}
	full.StartTimeout, full.StopTimeout = 10*time.Minute, 1500*time.Millisecond

	hostile := basic()
	hostile.Cmd = []string{"100%", "%n", "$HOME", "${X}", `"q"`, "'s'", `a\b`, `trail\`, "two  spaces", ";", `\;`, "tab\tx", ""}
	hostile.Env = []config.EnvVar{{Key: "K", Value: `v "1" $X %h \n;`}}
	hostile.Volumes = []config.Volume{{Host: "/srv/100%", Container: "/x"}}
	hostile.Restart = config.RestartOnFailure

	// A control: the same check must catch a bad unit, or it proves nothing.
	bad := fill(t, basic(), testHost)
	bad.Section("Service").Text("Restart", "sometimes")
	if out := verify(t, analyze, bad.Name, bad.Bytes()); len(out) == 0 {
		t.Fatal("systemd-analyze verify accepted Restart=sometimes: the check is blind")
	}
	for name, c := range map[string]*config.Component{"basic": basic(), "full": full, "hostile": hostile} {
		t.Run(name, func(t *testing.T) {
			f := fill(t, c, testHost)
			if err := f.Err(); err != nil {
				t.Fatal(err)
			}
			if out := verify(t, analyze, f.Name, f.Bytes()); len(out) > 0 {
				t.Errorf("systemd-analyze verify:\n%s\nunit:\n%s", out, f.Bytes())
			}
		})
	}
}

// verify writes a unit into a fresh directory and returns what
// `systemd-analyze verify` says about it, with its exit status; nothing
// means the unit is clean.
func verify(t *testing.T, analyze, name string, unit []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s(%v)", out, err)
	}
	return string(out)
}
