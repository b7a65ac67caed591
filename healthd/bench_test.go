package healthd

import (
	"context"
	"fmt"
	"github.com/bootstage/bootstage/config"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/bootstage/bootstage/healthd/spec"
)

// TestMain lets the test binary act as a bare gate (BENCH_GATE=1, the
// gate's arguments as argv), so BenchmarkMonitor can measure a gate in its
// own process.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_GATE") == "1" {
		g, err := spec.Parse(os.Args[1:])
		if err == nil {
			err = Run(context.Background(), g, Options{Log: discardLog{}})
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

type discardLog struct{}

func (discardLog) Log(_ journal.Priority, _ string, _ map[string]string) {}

// BenchmarkReadyLatency opens N tcp targets at random moments within a
// window and measures, per iteration, how long after the last one starts
// listening the gate sends READY=1, and how long a sequential poller that
// checks each target in turn every 2 seconds (the old agent) takes.
// Run with -benchtime=20x or so; p50/p95 are over iterations.
func BenchmarkReadyLatency(b *testing.B) {
	for _, tc := range []struct {
		n      int
		window time.Duration
	}{{1, time.Second}, {10, time.Second}, {100, time.Second}, {10, 5 * time.Second}} {
		b.Run(fmt.Sprintf("probes=%d/window=%s", tc.n, tc.window), func(b *testing.B) {
			var gate, poll []time.Duration
			for b.Loop() {
				g, p := readyOnce(b, tc.n, tc.window)
				gate, poll = append(gate, g), append(poll, p)
			}
			b.ReportMetric(ms(pct(gate, 50)), "p50-ms")
			b.ReportMetric(ms(pct(gate, 95)), "p95-ms")
			b.ReportMetric(ms(pct(poll, 50)), "poller-p50-ms")
			b.ReportMetric(ms(pct(poll, 95)), "poller-p95-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

// readyOnce runs one gate and one sequential poller over the same targets.
func readyOnce(b *testing.B, n int, window time.Duration) (gate, poller time.Duration) {
	addrs := make([]string, n)
	var probes []spec.Probe
	for i := range addrs {
		addrs[i] = freeAddr(b)
		probes = append(probes, spec.Probe{Component: fmt.Sprint("c", i), Unit: "c.service", Check: "tcp",
			Target: addrs[i], Interval: time.Second, Timeout: 2 * time.Second, Threshold: 3})
	}
	ready := make(chan time.Time, 1)
	notify := func(s string) error {
		if strings.HasPrefix(s, "READY=1") {
			ready <- time.Now()
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, spec.Gate{Stage: "bench", OnTimeout: config.Block, Probes: probes},
			Options{Notify: notify, Log: discardLog{}, Watchdog: -1})
	}()
	polled := make(chan time.Time, 1)
	go func() { sequentialPoll(ctx, addrs); polled <- time.Now() }()

	var mu sync.Mutex
	var last time.Time
	var listeners []net.Listener
	var wg sync.WaitGroup
	for _, a := range addrs {
		wg.Add(1)
		time.AfterFunc(time.Duration(rand.Int64N(int64(window))), func() {
			defer wg.Done()
			l, err := listenReuse(a)
			if err != nil {
				panic(err)
			}
			go acceptClose(l)
			mu.Lock()
			listeners, last = append(listeners, l), time.Now()
			mu.Unlock()
		})
	}
	wg.Wait()
	r, p := <-ready, <-polled
	cancel()
	<-done
	for _, l := range listeners {
		l.Close()
	}
	return max(0, r.Sub(last)), max(0, p.Sub(last))
}

// sequentialPoll is the baseline: each target in turn, every 2 seconds.
func sequentialPoll(ctx context.Context, addrs []string) {
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, 2*time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}
}

func acceptClose(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func freeAddr(b testing.TB) string { return holdPort(b) }

// BenchmarkMonitor runs a gate with 100 healthy probes at a 1s interval in
// a child process for BENCH_MONITOR_SECONDS (default 30) after READY and
// reports the child's CPU (percent of one core) and RSS. Mixed: a third
// each of tcp, http and grpc probes. Run with -benchtime=1x.
func BenchmarkMonitor(b *testing.B) {
	for _, mix := range []string{"tcp", "mixed"} {
		b.Run("probes=100/"+mix, func(b *testing.B) {
			for b.Loop() {
				cpu, mem := monitorOnce(b, mix)
				b.ReportMetric(cpu, "cpu-%")
				b.ReportMetric(mem["VmRSS"], "rss-MB")
				b.ReportMetric(mem["RssAnon"], "anon-MB")
				b.ReportMetric(mem["RssFile"], "file-MB")
				b.ReportMetric(mem["VmHWM"], "peak-rss-MB")
			}
		})
	}
}

func monitorOnce(b *testing.B, mix string) (cpu float64, mem map[string]float64) {
	seconds := 30
	if s, err := strconv.Atoi(os.Getenv("BENCH_MONITOR_SECONDS")); err == nil {
		seconds = s
	}
	args := []string{"--stage", "bench", "--timeout", "0", "--on-timeout", "block"}
	for i := range 100 {
		x := &target{t: &testing.T{}, addr: freeAddr(b)}
		kind := []string{"tcp", "http", "grpc"}[i%3]
		if mix == "tcp" {
			kind = "tcp"
		}
		tgt := x.addr
		switch kind {
		case "tcp":
			x.serveTCP()
		case "http":
			x.serveHTTP(200)
			tgt = "http://" + x.addr + "/healthz"
		case "grpc":
			x.serveGRPC("", healthpb.HealthCheckResponse_SERVING)
		}
		defer x.down()
		args = append(args, "--probe", fmt.Sprint("c", i), "--unit", "c.service", "--check", kind,
			"--target", tgt, "--interval", "1s", "--probe-timeout", "2s")
	}
	sock := filepath.Join(b.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	// BENCH_HEALTHD_BIN measures a built bootstage-healthd instead of
	// this test binary, which carries the test servers' code too.
	cmd := exec.Command(os.Args[0], args...)
	if bin := os.Getenv("BENCH_HEALTHD_BIN"); bin != "" {
		cmd = exec.Command(bin, append([]string{"gate"}, args...)...)
	}
	cmd.Env = append(os.Environ(), "BENCH_GATE=1", "NOTIFY_SOCKET="+sock)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			b.Fatalf("waiting for READY: %v", err)
		}
		if strings.HasPrefix(string(buf[:n]), "READY=1") {
			break
		}
	}
	t0, c0 := time.Now(), procCPU(b, cmd.Process.Pid)
	time.Sleep(time.Duration(seconds) * time.Second)
	t1, c1 := time.Now(), procCPU(b, cmd.Process.Pid)
	return 100 * (c1 - c0).Seconds() / t1.Sub(t0).Seconds(), procMem(b, cmd.Process.Pid)
}

// procCPU is utime+stime of pid from /proc/PID/stat (USER_HZ = 100).
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	f := strings.Fields(rest) // f[0] is field 3 (state); utime is 14, stime 15
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * 10 * time.Millisecond
}

// procMem reads the Vm*/Rss* lines of /proc/PID/status, in MB. VmRSS is
// RssAnon (the gate's own memory) plus RssFile (pages of the executable
// that are mapped in: shared, clean, reclaimable) plus RssShmem.
func procMem(b *testing.B, pid int) map[string]float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	mem := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.HasSuffix(f[0], ":") {
			kb, _ := strconv.Atoi(f[1])
			mem[strings.TrimSuffix(f[0], ":")] = float64(kb) / 1024
		}
	}
	return mem
}
