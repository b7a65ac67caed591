package spec

import (
	"github.com/bootstage/bootstage/config"
	"reflect"
	"strings"
	"testing"
	"time"
)

// example is the gate of the grammar note, with every option used once.
func example() Gate {
	return Gate{Stage: "core", Timeout: 60 * time.Second, OnTimeout: config.Proceed, Probes: []Probe{
		{Component: "metacrypt/api", Unit: "metacrypt-api.service", Check: config.CheckGRPC, Target: "127.0.0.1:18443",
			GRPCService: "metacrypt", Interval: 10 * time.Second, Timeout: 2 * time.Second, Threshold: 3},
		{Component: "metacrypt/web", Unit: "metacrypt-web.service", Check: config.CheckHTTP, Target: "http://127.0.0.1:8080/healthz",
			HTTPStatus: 200, Interval: 10 * time.Second, Timeout: 2 * time.Second, OnUnhealthy: config.ActionRestart, Threshold: 3},
		{Component: "dns", Unit: "dns.service", Check: config.CheckExec, Command: []string{"/usr/bin/dig", "@127.0.0.1", "--probe", "a b"},
			Interval: 10 * time.Second, Timeout: 2 * time.Second, Threshold: 3},
		{Component: "identity", Unit: "identity.service", Check: config.CheckSystemd, Interval: 1500 * time.Millisecond,
			Timeout: 2 * time.Second, Threshold: 5},
		{Component: "misc/x", Unit: "misc-x.service", Check: config.CheckNone, Interval: 10 * time.Second, Timeout: 2 * time.Second, Threshold: 3},
	}}
}

func flatten(groups [][]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	g := example()
	groups := g.Args()
	if groups[0][0] != "gate" || len(groups) != len(g.Probes)+1 {
		t.Fatalf("groups = %q", groups)
	}
	got, err := Parse(flatten(groups)[1:])
	if err != nil {
		t.Fatalf("Parse(Args()): %v", err)
	}
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, g)
	}
}

func TestArgsExactWords(t *testing.T) {
	t.Parallel()
	want := []string{"--probe", "metacrypt/web", "--unit", "metacrypt-web.service", "--check", "http",
		"--target", "http://127.0.0.1:8080/healthz", "--http-status", "200", "--interval", "10s",
		"--probe-timeout", "2s", "--on-unhealthy", "restart", "--unhealthy-threshold", "3"}
	if got := example().Args()[2]; !reflect.DeepEqual(got, want) {
		t.Fatalf("probe group:\n got %q\nwant %q", got, want)
	}
	if got := example().Args()[0]; !reflect.DeepEqual(got, []string{"gate", "--stage", "core", "--timeout", "60s", "--on-timeout", "proceed"}) {
		t.Fatalf("stage group: %q", got)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	g, err := Parse(strings.Fields("--stage s --probe a --unit a.service --check tcp --target [::1]:80"))
	if err != nil {
		t.Fatal(err)
	}
	want := Gate{Stage: "s", Timeout: DefaultTimeout, OnTimeout: config.Proceed, Probes: []Probe{{Component: "a", Unit: "a.service",
		Check: config.CheckTCP, Target: "[::1]:80", Interval: DefaultInterval, Timeout: DefaultProbeTimeout, Threshold: DefaultThreshold}}}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("got %+v", g)
	}
	if g, err := Parse([]string{"--stage", "empty", "--timeout", "0", "--on-timeout", "block"}); err != nil || len(g.Probes) != 0 {
		t.Fatalf("a gate without probes: %+v, %v", g, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const p = " --probe a --unit a.service"
	for _, tc := range []struct{ args, want string }{
		{"", "--stage is required"},
		{"--stage", "--stage needs a value"},
		{"--stage s --stage t", "--stage given twice"},
		{"--stage=s", "separate argument"},
		{"stage s", `unexpected argument "stage"`},
		{"--stage s --timeout 5", `--timeout "5": want a duration`},
		{"--stage s --timeout -1s", "must not be negative"},
		{"--stage s --on-timeout later", `--on-timeout "later"`},
		{"--stage s --bogus 1", "unknown stage option --bogus"},
		{"--stage s" + p, "--check is required"},
		{"--stage s --probe a --check none", "--unit is required"},
		{"--stage s" + p + " --check ping", `--check "ping"`},
		{"--stage s" + p + " --check tcp", "--target HOST:PORT is required"},
		{"--stage s" + p + " --check tcp --target localhost", "want HOST:PORT"},
		{"--stage s" + p + " --check tcp --target :80", "port in 1..65535"},
		{"--stage s" + p + " --check grpc --target h:70000", "port in 1..65535"},
		{"--stage s" + p + " --check http --target https://h/", "want a http://"},
		{"--stage s" + p + " --check https --target /x", "want a https://"},
		{"--stage s" + p + " --check none --target h:1", "--target is not used by --check none"},
		{"--stage s" + p + " --check tcp --target h:1 --grpc-service x", "--grpc-service is only for --check grpc"},
		{"--stage s" + p + " --check tcp --target h:1 --http-status 200", "--http-status is only"},
		{"--stage s" + p + " --check http --target http://h/ --http-status 9", "want 100..599"},
		{"--stage s" + p + " --check http --target http://h/ --http-status x", "want a whole number"},
		{"--stage s" + p + " --check exec", "--command is required"},
		{"--stage s" + p + " --check none --command x", "--command is required for --check exec and only"},
		{"--stage s" + p + " --check none --interval 0s", "--interval 0s: must be positive"},
		{"--stage s" + p + " --check none --probe-timeout -1s", "--probe-timeout -1s: must be positive"},
		{"--stage s" + p + " --check none --on-unhealthy stop", `--on-unhealthy "stop"`},
		{"--stage s" + p + " --check none --unhealthy-threshold 0", "at least 1"},
		{"--stage s" + p + " --check none --timeout 1s", "--timeout is a stage option"},
		{"--stage s" + p + " --check none --unit b", "--unit given twice"},
		{"--stage s" + p + " --check none --frobnicate 1", "unknown probe option --frobnicate"},
		{"--stage s" + p + " --check none" + p + " --check none", `probe "a": given twice`},
		{"--stage s --probe", "--probe needs a value"},
	} {
		_, err := Parse(strings.Fields(tc.args))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// FuzzParse checks that whatever Parse accepts, Args writes back to the
// same Gate. Arguments are NUL-separated in the corpus.
func FuzzParse(f *testing.F) {
	f.Add(strings.Join(flatten(example().Args())[1:], "\x00"))
	f.Fuzz(func(t *testing.T, s string) {
		g, err := Parse(strings.Split(s, "\x00"))
		if err != nil {
			return
		}
		again, err := Parse(flatten(g.Args())[1:])
		if err != nil {
			t.Fatalf("Parse(Args(%+v)): %v", g, err)
		}
		if !reflect.DeepEqual(again, g) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, g)
		}
	})
}
