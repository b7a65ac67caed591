package runtimes

import (
	"strings"
	"testing"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// Every runtime writes its restart keys through Restart: one mapping of
// the docker/podman words to Restart=, and RestartSec= wherever a unit
// restarts. The zero policy is config.DefaultRestart, as the loader fills it.
func TestRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   config.Restart
		want string
	}{
		{"", "Restart=on-failure\nRestartSec=5s\n"},
		{config.RestartNo, "Restart=no\n"},
		{config.RestartOnFailure, "Restart=on-failure\nRestartSec=5s\n"},
		{config.RestartAlways, "Restart=always\nRestartSec=5s\n"},
		{config.RestartUnlessStopped, "Restart=always\nRestartSec=5s\n"},
	} {
		f := units.NewFile("x.service")
		Restart(f.Section("Service"), tc.in)
		got := string(f.Bytes())
		if _, body, _ := strings.Cut(got, "[Service]\n"); body != tc.want {
			t.Errorf("restart %q:\n%s\nwant [Service]\n%s", tc.in, got, tc.want)
		}
	}
}
