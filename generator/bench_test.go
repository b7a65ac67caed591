package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/generator"
)

// benchStages are the three stages of the benchmark trees.
var benchStages = []string{"foundation", "core", "management"}

// writeBenchTree writes a configuration of n services, each with two
// podman components, spread over three stages, as an operator would.
func writeBenchTree(tb testing.TB, dir string, n int) { writeBenchTreeWith(tb, dir, n, false) }

// writeBenchTreeWith is writeBenchTree, with node resources when res is
// set: ten networks, volumes and secrets the api components share, an
// images/ file, and a drop-in on every tenth service.
func writeBenchTreeWith(tb testing.TB, dir string, n int, res bool) {
	tb.Helper()
	var st strings.Builder
	for _, s := range benchStages {
		fmt.Fprintf(&st, "[[stage]]\nname = %q\ntimeout = \"60s\"\non_timeout = \"proceed\"\n\n", s)
	}
	write(tb, filepath.Join(dir, "stages.toml"), st.String())
	if err := os.MkdirAll(filepath.Join(dir, "services"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if res {
		for i := 0; i < 10; i++ {
			write(tb, filepath.Join(dir, "networks", fmt.Sprintf("net%d.toml", i)), fmt.Sprintf("subnet = \"10.89.%d.0/24\"\n", i))
			write(tb, filepath.Join(dir, "volumes", fmt.Sprintf("data%d.toml", i)), "driver = \"local\"\n")
			write(tb, filepath.Join(dir, "secrets", fmt.Sprintf("token%d.toml", i)), fmt.Sprintf("file = \"/etc/bootstage/secrets/token%d\"\n", i))
		}
		write(tb, filepath.Join(dir, "images", "api.toml"), "ref = \"registry.example/api:1.4\"\nretries = 5\n")
	}
	for i := 0; i < n; i++ {
		src := fmt.Sprintf(benchService, benchStages[i%len(benchStages)], 10000+i%50000, 20000+i%40000)
		name := fmt.Sprintf("svc%05d", i)
		if res {
			src = strings.Replace(src, `volumes = ["/srv/api:/data:Z"]`, fmt.Sprintf(
				"volumes = [\"/srv/api:/data:Z\", \"data%d:/var/lib/api\"]\nnetwork = \"net%d\"\nsecrets = [\"token%d\"]", i%10, i%10, i%10), 1)
			if i%10 == 0 {
				write(tb, filepath.Join(dir, "services", name+".toml.d", "10-log.toml"), "[[components]]\nname = \"api\"\nenv = { LOG_LEVEL = \"debug\" }\n")
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "services", name+".toml"), []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

const benchService = `stage = %q

[[components]]
name = "api"
image = "registry.example/api:1.4"
cmd = ["serve", "--listen", ":8080", "--log-level", "info"]
ports = ["127.0.0.1:%d:8080"]
env = { LOG_LEVEL = "info", REGION = "eu-1" }
volumes = ["/srv/api:/data:Z"]
restart = "always"

[components.health]
check = "http"
path = "/healthz"

[[components]]
name = "db"
image = "registry.example/db:15"
ports = ["127.0.0.1:%d:5432"]
env = ["POSTGRES_DB=app"]
restart = "on-failure"
`

// tmpfs is a directory on tmpfs for benchmark trees and output, where
// the generator writes at boot (/run/systemd/generator).
func tmpfs(tb testing.TB) string {
	tb.Helper()
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	if base == "" {
		return tb.TempDir()
	}
	dir, err := os.MkdirTemp(base, "bootstage-bench-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var benchSizes = []int{10, 100, 1000, 10000}

// BenchmarkGenerate is one generator run as systemd makes it
// (GenerateInto): read and check the configuration, build every unit,
// write them all.
//
// resources=with adds node resources to the same tree (see
// writeBenchTreeWith): the cost of networks, volumes, images, secrets and
// drop-ins, against resources=without.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range benchSizes {
		for _, res := range []bool{false, true} {
			b.Run(fmt.Sprintf("services=%d/resources=%s", n, map[bool]string{false: "without", true: "with"}[res]), func(b *testing.B) {
				benchGenerate(b, n, res)
			})
		}
	}
}

func benchGenerate(b *testing.B, n int, res bool) {
	{
		{
			root := tmpfs(b)
			cfg := filepath.Join(root, "config")
			writeBenchTreeWith(b, cfg, n, res)
			host := fuzzHost
			opts := generator.Options{ConfigPath: []string{cfg}, Hostname: fuzzHostname, Host: &host}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				dst := filepath.Join(root, "out")
				out, err := generator.GenerateInto(opts, dst)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu -= cpuTime()
				if i == 0 && (len(out.Problems) > 0 || countFiles(b, dst) != 2*n+2*len(benchStages)+1+len(out.Resources)) {
					b.Fatalf("%d units written, %d problems: %v", countFiles(b, dst), len(out.Problems), out.Problems)
				}
				os.RemoveAll(dst) // a generator writes into an empty directory
				cpu += cpuTime()
				b.StartTimer()
			}
			b.StopTimer()
			cpu = cpuTime() - cpu
			// CPU time is what a busy machine cannot inflate as it does wall time
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*n), "ns/component")
		}
	}
}

// cpuTime is the user and system time this process has used so far, on
// every thread: the work a run costs, whatever else the machine is doing.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPhases splits a 1000-service run into its phases, to show
// where the time goes.
func BenchmarkPhases(b *testing.B) {
	root := tmpfs(b)
	cfg := filepath.Join(root, "config")
	writeBenchTree(b, cfg, 1000)
	host := fuzzHost
	tree, problems := load.Tree([]string{cfg}, fuzzHostname)
	out := generator.Build(tree, problems, host)
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			load.Tree([]string{cfg}, fuzzHostname)
		}
	})
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			generator.Build(tree, problems, host)
		}
	})
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, u := range out.Units {
				u.Bytes()
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst := filepath.Join(root, "out")
			if err := out.Write(dst); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			os.RemoveAll(dst)
			b.StartTimer()
		}
	})
}

// countFiles counts the regular files directly in dir.
func countFiles(tb testing.TB, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() {
			n++
		}
	}
	return n
}
