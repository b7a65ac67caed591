package cli

import (
	"path/filepath"
	"testing"
)

// TestRecordReplays records a replayed run and replays the recording: the
// output must be the same, so recordings from a real systemd (taken with
// BOOTSTAGE_RECORD_DBUS) replay as they happened.
func TestRecordReplays(t *testing.T) {
	file := filepath.Join(t.TempDir(), "up.json")
	sd := loadReplay(t, "testdata/dbus/up-ok.json")
	te := newTestEnv(t, sd)
	te.vars[RecordEnv] = file
	first, code := te.run("up", "-C", "testdata/stack")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, first)
	}
	te = newTestEnv(t, loadReplay(t, file))
	again, _ := te.run("up", "-C", "testdata/stack")
	if again != first {
		t.Errorf("replaying the recording gave\n%s\nthe recorded run gave\n%s", again, first)
	}
}
