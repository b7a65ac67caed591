package runtimes

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/bootstage/bootstage/"

// goList runs `go list -f FORMAT PATTERNS...` in this module.
func goList(t *testing.T, format string, patterns ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-f", format}, patterns...)...).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", patterns, err)
	}
	return strings.Fields(string(out))
}

// The runtimes are unit builders: they read the configuration model and
// write units, and never import what stands above them (DESIGN §1).
func TestRuntimesImportOnlyModelAndUnits(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{module + "config": true, module + "units": true, module + "runtimes": true}
	for _, line := range goList(t, `{{range .Imports}}{{$.ImportPath}}={{.}} {{end}}`, "../runtimes/...") {
		pkg, imp, _ := strings.Cut(line, "=")
		if strings.HasPrefix(imp, module) && !allowed[imp] {
			t.Errorf("%s imports %s: a runtime imports only config, units and runtimes", pkg, imp)
		}
	}
}

// The configuration model imports only the standard library, so that
// bootstage-healthd, which links it through healthd/spec, stays small.
func TestModelImportsOnlyTheStandardLibrary(t *testing.T) {
	t.Parallel()
	for _, dep := range goList(t, `{{range .Deps}}{{.}} {{end}}`, "../config", "../healthd/spec") {
		if strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") && dep != module+"config" {
			t.Errorf("config or healthd/spec depends on %s", dep)
		}
	}
}
