// Command bootstage-healthd is bootstage's health daemon. The generator
// runs it in every stage's gate unit (Type=notify):
//
//	bootstage-healthd gate --stage S [--timeout D] [--on-timeout block|proceed|fail] --probe ...
//
// The grammar of the probe groups is in package healthd/spec; what the gate
// does is in package healthd and DESIGN §4.
//
// Exit codes:
//
//	0  stopped by SIGTERM or SIGINT (after STOPPING=1)
//	1  the stage timed out with --on-timeout fail
//	2  bad command line
//	3  the gate could not run (a check could not be set up)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/bootstage/bootstage/healthd"
	"github.com/bootstage/bootstage/healthd/spec"
)

// version is set by the build (meson: -X main.version=...).
var version = "dev"

const usage = `usage: bootstage-healthd --version | gate --stage NAME [--timeout D] [--on-timeout block|proceed|fail]
         --probe COMPONENT --unit UNIT --check tcp|grpc|http|https|exec|systemd|none [probe options]...
probe options: --target T, --grpc-service NAME, --http-status N, --command ARG (repeat),
         --interval D, --probe-timeout D, --on-unhealthy restart, --unhealthy-threshold N`

func main() {
	// A gate's heap is about 1.5 MB live: a GC target of 50 % keeps it
	// close to that, for about 1 MB less RSS with 100 probes
	// (bench/healthd). An explicit GOGC wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println("bootstage-healthd", version)
		return 0
	}
	if len(args) == 0 || args[0] != "gate" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Println(usage)
			return 0
		}
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	g, err := spec.Parse(args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "bootstage-healthd gate: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err = healthd.Run(ctx, g, healthd.Options{Opened: monitorOnOneP})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, healthd.ErrTimedOut):
		fmt.Fprintf(os.Stderr, "bootstage-healthd: stage %s: %v\n", g.Stage, err)
		return 1
	default:
		fmt.Fprintf(os.Stderr, "bootstage-healthd: stage %s: %v\n", g.Stage, err)
		return 3
	}
}

// monitorOnOneP runs the gate on one P once it is open. Waiting uses every
// CPU, so the last component's turn to healthy is seen at once. Monitoring
// is timers that fire once an interval and checks that mostly wait on
// sockets; on one P it measured 10–25 % less CPU than on two with 100
// probes, which pays for the more frequent GC above (bench/healthd). An
// explicit GOMAXPROCS wins.
func monitorOnOneP() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
