// Command bootstage shows and drives a node's boot stages: validate,
// generate, plan, graph, status, up, down, logs, vm. The commands live in
// package cli; this main only wires the real environment.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bootstage/bootstage/cli"
)

// version is set by the build (meson: -X main.version=...).
var version = "dev"

func main() {
	cli.Version = version
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, cli.DefaultEnv())
	stop()
	os.Exit(code)
}
