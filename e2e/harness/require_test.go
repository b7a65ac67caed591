package harness

import (
	"strings"
	"testing"
)

func TestPrerequisites(t *testing.T) {
	t.Setenv("BOOTSTAGE_E2E", "")
	if skip, err := prerequisites(); skip == "" || err != nil {
		t.Errorf("without BOOTSTAGE_E2E: skip %q, err %v; want a skip", skip, err)
	}
	t.Setenv("BOOTSTAGE_E2E", "0")
	if skip, _ := prerequisites(); skip == "" {
		t.Error("BOOTSTAGE_E2E=0 must skip")
	}
	// Asked for, with nothing on PATH: a failure that names the fix, never a skip.
	t.Setenv("BOOTSTAGE_E2E", "1")
	t.Setenv("PATH", "")
	skip, err := prerequisites()
	if skip != "" || err == nil {
		t.Fatalf("BOOTSTAGE_E2E=1 without tools: skip %q, err %v; want an error", skip, err)
	}
	if !strings.Contains(err.Error(), "root") && !strings.Contains(err.Error(), "install-deps.sh") {
		t.Errorf("error does not say what to do: %v", err)
	}
}
