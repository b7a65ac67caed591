package healthd

import (
	"context"
	"github.com/bootstage/bootstage/config"
	"net/http"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func checkOnce(t *testing.T, c Checker) string {
	t.Helper()
	defer c.Close()
	p := probe("a", "none", "")
	if err := attempt(context.Background(), c, p.Timeout); err != nil {
		return err.Error()
	}
	return ""
}

func TestHTTPStatus(t *testing.T) {
	leakCheck(t)
	x := newTarget(t)
	for _, tc := range []struct {
		serve, want int
		reason      string
	}{
		{200, 0, ""}, {302, 0, ""}, {503, 0, "HTTP 503"}, {404, 0, "HTTP 404"},
		{204, 204, ""}, {200, 204, "HTTP 200, want 204"},
	} {
		x.serveHTTP(tc.serve)
		if got := checkOnce(t, NewHTTPCheck("http://"+x.addr+"/healthz", tc.want)); got != tc.reason {
			t.Errorf("serve %d want %d: %q, want %q", tc.serve, tc.want, got, tc.reason)
		}
	}
	x.down()
}

// Header lines and bodies longer than the check's small buffers do not
// make a healthy answer fail, check after check.
func TestHTTPLongAnswer(t *testing.T) {
	leakCheck(t)
	x := newTarget(t)
	x.serveHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Long", strings.Repeat("x", 8<<10))
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, 64<<10))
	}))
	c := NewHTTPCheck("http://"+x.addr+"/", 200)
	defer c.Close()
	for i := range 3 {
		if err := attempt(context.Background(), c, time.Second); err != nil {
			t.Fatalf("check %d: %v", i, err)
		}
	}
	x.down()
}

func TestGRPCStatus(t *testing.T) {
	leakCheck(t)
	x := newTarget(t)
	h := x.serveGRPC("metacrypt", healthpb.HealthCheckResponse_NOT_SERVING)
	c := &GRPCCheck{Addr: x.addr, Service: "metacrypt"}
	if got := checkOnce(t, c); got != "NOT_SERVING" {
		t.Errorf("not serving: %q", got)
	}
	h.SetServingStatus("metacrypt", healthpb.HealthCheckResponse_SERVING)
	if got := checkOnce(t, c); got != "" {
		t.Errorf("serving: %q", got)
	}
	if got := checkOnce(t, &GRPCCheck{Addr: x.addr, Service: "other"}); got != `unknown health service "other"` {
		t.Errorf("unknown service: %q", got)
	}
	x.down()
}

func TestExecEnvironment(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/run/x")
	t.Setenv("WATCHDOG_USEC", "1")
	t.Setenv("KEEP_ME", "yes")
	argv := script(t, `env | sort | grep -E '^(NOTIFY_SOCKET|WATCHDOG_USEC|KEEP_ME)='; exit 1`)
	got := checkOnce(t, &ExecCheck{Argv: argv})
	if got != "exit status 1: KEEP_ME=yes" {
		t.Errorf("got %q", got)
	}
}

func TestNewCheckerNeedsBusForSystemd(t *testing.T) {
	_, err := NewChecker(probe("a", config.CheckSystemd, ""), nil)
	if err == nil || !strings.Contains(err.Error(), "no D-Bus") {
		t.Errorf("err = %v", err)
	}
}
