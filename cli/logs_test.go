package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestLogsRunsJournalctlForTheRightUnits(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"logs", "web/api"}, "journalctl -u web-api.service"},
		{[]string{"logs", "web", "-f", "-n", "20"}, "journalctl -u web-api.service -u web-worker.service -f -n 20"},
		{[]string{"logs", "dns", "--stage", "foundation"}, "journalctl -u dns.service"},
		{[]string{"logs", "--stage", "core", "-n", "5"}, "journalctl -u vault-vm.service -u web-api.service -u web-worker.service" +
			" -u bootstage-core-gate.service -u bootstage-core.target -n 5"},
		{[]string{"logs"}, "journalctl -u dns.service -u bootstage-foundation-gate.service -u bootstage-foundation.target" +
			" -u vault-vm.service -u web-api.service -u web-worker.service -u bootstage-core-gate.service" +
			" -u bootstage-core.target -u bootstage.target"},
	}
	for _, c := range cases {
		te := newTestEnv(t, nil)
		out, code := te.run(append(c.args, "-C", "testdata/stack")...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s", c.args, code, out)
		}
		if got := strings.Join(te.execed, " "); got != c.want {
			t.Errorf("%v:\n got %s\nwant %s", c.args, got, c.want)
		}
	}
}

func TestLogsUnknownNames(t *testing.T) {
	for _, args := range [][]string{{"logs", "dns", "--stage", "core"}, {"logs", "--stage", "cor"}, {"logs", "web/"}} {
		te := newTestEnv(t, nil)
		out, code := te.run(append(args, "-C", "testdata/stack")...)
		if code != ExitError || te.execed != nil {
			t.Errorf("%v: exit %d, ran %v\n%s", args, code, te.execed, out)
		}
	}
}

func TestFlagsFirst(t *testing.T) {
	a := NewApp(newTestEnv(t, nil).Env)
	cases := [][2]string{
		{"bootstage logs web -f -n 5", "bootstage logs -f -n 5 web"},
		{"bootstage logs web --lines=5 --stage core", "bootstage logs --lines=5 --stage core web"},
		{"bootstage status core --json", "bootstage status --json core"},
		{"bootstage up core -- --weird", "bootstage up core -- --weird"},
		{"bootstage vm status x -C d", "bootstage vm status -C d x"},
		{"bootstage --help", "bootstage --help"},
		{"bootstage up x --generate-bash-completion", "bootstage up x --generate-bash-completion"},
	}
	for _, c := range cases {
		got := strings.Join(flagsFirst(a, strings.Fields(c[0])), " ")
		if got != c[1] {
			t.Errorf("%s:\n got %s\nwant %s", c[0], got, c[1])
		}
	}
}

func TestWithServices(t *testing.T) {
	if !slices.Equal(withServices([]string{"web/api", "web/worker", "dns"}), []string{"web", "web/api", "web/worker", "dns"}) {
		t.Error("withServices")
	}
}
