package generator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units/unitstest"
)

// A component whose command line, escaped, is longer than systemd reads
// passes the loader's limits (each word is under config.MaxValueLen) but
// not the units package's: its unit is the failing stand-in that says so,
// and the other service's unit is written.
func TestUnitLineTooLong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	word := strings.Repeat("%", 100<<10) // 100 KiB in the file, 200 KiB in the unit
	var cmd []string
	for i := 0; i < 6; i++ {
		cmd = append(cmd, `"`+word+`"`)
	}
	files := map[string]string{
		"services/big.toml": "[[components]]\nimage = \"localhost/big:1\"\nhealth.check = \"none\"\ncmd = [" + strings.Join(cmd, ", ") + "]\n",
		"services/ok.toml":  "[[components]]\nimage = \"localhost/ok:1\"\nhealth.check = \"none\"\n",
	}
	for name, src := range files {
		writeConfig(t, filepath.Join(dir, name), src)
	}
	out, err := Generate(Options{ConfigPath: []string{dir}, Hostname: "node1", Host: &goldenHost})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "services/big.toml") + ": big.service: ExecStart=: line too long: 1228965 bytes, systemd reads at most 1048575"
	if len(out.Problems) != 1 || out.Problems[0].Error() != want {
		t.Fatalf("problems: %v\nwant: %s", out.Problems, want)
	}
	got := out.Files()
	if !strings.Contains(string(got["big.service"]), "line too long") || !strings.Contains(string(got["ok.service"]), "podman run") {
		t.Errorf("want the stand-in big.service and ok.service:\n%.600s\n%.600s", got["big.service"], got["ok.service"])
	}
	for name, b := range got {
		if _, err := unitstest.Parse(string(b)); err != nil && !strings.HasPrefix(string(b), "-> ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A stage with more probes than one command line holds gets a failing
// gate that says why, so its target fails instead of a gate going missing;
// its components' units are written.
func TestGateLineTooLong(t *testing.T) {
	t.Parallel()
	st := &config.Stage{Name: "big", Timeout: config.DefaultStageTimeout, OnTimeout: config.Proceed}
	tree := &config.Tree{Stages: []*config.Stage{st}}
	long := strings.Repeat("s", 60)
	for i := 0; i < 4000; i++ {
		c := &config.Component{Name: strings.Repeat("c", 60), Image: "localhost/x:1", Health: config.Health{Check: config.CheckSystemd}}
		svc := &config.Service{Name: fmt.Sprintf("%s%04d", long, i), Stage: "big", Components: []*config.Component{c},
			Source: fmt.Sprintf("/etc/bootstage/services/%s%04d.toml", long, i)}
		tree.Services = append(tree.Services, svc)
		st.Services = append(st.Services, svc)
	}
	out := Build(tree, nil, goldenHost)
	if len(out.Problems) != 1 || !strings.HasPrefix(out.Problems[0].Msg, "bootstage-big-gate.service: ExecStart=: line too long: ") {
		t.Fatalf("problems: %v", out.Problems)
	}
	files := out.Files()
	gate := string(files["bootstage-big-gate.service"])
	if !strings.Contains(gate, "/bin/sh") || !strings.Contains(gate, "line too long") {
		t.Errorf("the gate is not the failing stand-in:\n%.800s", gate)
	}
	if len(files) != 4000+4 { // components, gate, stage target, main target, link
		t.Errorf("%d files, want %d", len(files), 4000+4)
	}
	for name, b := range files {
		if len(b) > 0 && !strings.HasPrefix(string(b), "-> ") {
			if _, err := unitstest.Parse(string(b)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func writeConfig(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A failing unit shows the first problems of a file up to maxShownErrors
// bytes, then how many more there are: a file of thousands of mistakes
// still gives a unit systemd loads.
func TestBrokenUnitBounded(t *testing.T) {
	t.Parallel()
	var errs []error
	for i := 0; i < 20000; i++ {
		errs = append(errs, config.Problem{File: "/etc/bootstage/services/x.toml", Line: i + 1, Col: 1, Key: fmt.Sprintf("k%d", i), Msg: "unknown key"})
	}
	f := brokenUnit("x.service", "x", "/etc/bootstage/services/x.toml", errs)
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	b := string(f.Bytes())
	if len(b) > 2*maxShownErrors || !strings.Contains(b, "more: bootstage validate lists them") {
		t.Errorf("%d bytes, ending %q", len(b), b[len(b)-200:])
	}
	if _, err := unitstest.Parse(b); err != nil {
		t.Error(err)
	}
}

// A probe the gate would refuse (the loader refuses such a health.path;
// a tree built otherwise may hold one) fails the stage's gate with the
// gate's own words, instead of a gate that exits 2 at boot.
func TestGateRefusedProbe(t *testing.T) {
	t.Parallel()
	st := &config.Stage{Name: "core", Timeout: config.DefaultStageTimeout, OnTimeout: config.Block}
	c := &config.Component{Runtime: config.Podman, Image: "localhost/x:1", Ports: []config.Port{{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}},
		Health: config.Health{Check: config.CheckHTTP, Host: "127.0.0.1", Port: 8080, Path: "status page",
			Interval: config.DefaultInterval, Timeout: config.DefaultProbeTimeout, Threshold: config.DefaultThreshold}}
	svc := &config.Service{Name: "web", Stage: "core", Components: []*config.Component{c}, Source: "/etc/bootstage/services/web.toml"}
	st.Services = []*config.Service{svc}
	out := Build(&config.Tree{Stages: []*config.Stage{st}, Services: []*config.Service{svc}}, nil, goldenHost)
	want := `: bootstage-core-gate.service: the gate would refuse its command line: probe "web": --target: parse "http://127.0.0.1:8080status page": invalid port ":8080status page" after host`
	if len(out.Problems) != 1 || out.Problems[0].Error() != want {
		t.Fatalf("problems: %v\nwant: %s", out.Problems, want)
	}
	files := out.Files()
	if gate := string(files["bootstage-core-gate.service"]); !strings.Contains(gate, "/bin/sh") {
		t.Errorf("the gate is not the failing stand-in:\n%s", gate)
	}
	if !strings.Contains(string(files["web.service"]), "podman run") {
		t.Errorf("web.service is not written:\n%s", files["web.service"])
	}
}
