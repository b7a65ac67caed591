#!/bin/sh
# bench/healthd/run.sh: the health gate's benchmarks (issue 3).
#
#  - READY latency: stages of 1, 10 and 100 tcp probes whose targets start
#    listening at random moments within a window; p50/p95 of the time from
#    the last target listening to READY=1, next to a sequential poller that
#    checks each target in turn every 2 seconds (the old agent).
#  - Monitoring cost: a built bootstage-healthd watching 100 healthy probes
#    at a 1s interval for MONITOR_SECONDS (default 30) after READY: CPU as a
#    percentage of one core, and RSS split into private (anon) memory and
#    mapped pages of the executable (file).
#
# Usage: bench/healthd/run.sh [ITERATIONS]   (from anywhere in the tree)
set -eu
cd "$(dirname "$0")/../.."
n=${1:-20}
bin=$(mktemp -d)/bootstage-healthd
trap 'rm -rf "$(dirname "$bin")"' EXIT
# Built as the e2e harness installs it: static, with meson's tags.
CGO_ENABLED=0 go build -trimpath -tags grpcnotrace -o "$bin" ./cmd/bootstage-healthd
go test -run '^$' -bench 'ReadyLatency' -benchtime "${n}x" -timeout 60m ./healthd
BENCH_HEALTHD_BIN=$bin BENCH_MONITOR_SECONDS=${MONITOR_SECONDS:-30} \
	go test -run '^$' -bench 'Monitor' -benchtime 1x -timeout 10m ./healthd
