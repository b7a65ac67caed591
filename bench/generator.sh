#!/bin/bash
# Measures bootstage-generator as systemd runs it: one process, a config
# tree of N services (two podman components each, three stages), output to
# tmpfs. Prints wall time (hyperfine when installed, else a loop of runs)
# and peak RSS (/usr/bin/time -v). Targets (issue 2): 1000 services in
# <= 60 ms (aim 25 ms), 10000 in < 1 s, peak RSS < 30 MB.
#
# usage: bench/generator.sh [SIZES...]     (default: 1000 10000)
# env:   RUNS (default 20), KEEP=1 keeps the trees in /dev/shm,
#        RESOURCES=1 adds node resources: ten networks, volumes and secrets
#        the api components share, an images/ file, a drop-in on every
#        tenth service (as BenchmarkGenerate/resources=with).
set -euo pipefail

cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
runs=${RUNS:-20}

if [ ! -x /usr/bin/time ]; then
	apt-get install -y time >/dev/null
fi

base=$(mktemp -d /dev/shm/bootstage-bench.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$base"' EXIT

bin=$base/bootstage-generator
CGO_ENABLED=0 go build -trimpath -tags grpcnotrace -o "$bin" ./cmd/bootstage-generator

# tree DIR N writes the configuration the Go benchmark uses.
tree() {
	local dir=$1 n=$2 i stage
	local stages=(foundation core management)
	mkdir -p "$dir/services"
	for s in "${stages[@]}"; do
		printf '[[stage]]\nname = "%s"\ntimeout = "60s"\non_timeout = "proceed"\n\n' "$s"
	done >"$dir/stages.toml"
	local res=()
	if [ -n "${RESOURCES:-}" ]; then
		mkdir -p "$dir"/{networks,volumes,secrets,images}
		for ((i = 0; i < 10; i++)); do
			printf 'subnet = "10.89.%d.0/24"\n' "$i" >"$dir/networks/net$i.toml"
			printf 'driver = "local"\n' >"$dir/volumes/data$i.toml"
			printf 'file = "/etc/bootstage/secrets/token%d"\n' "$i" >"$dir/secrets/token$i.toml"
		done
		printf 'ref = "registry.example/api:1.4"\nretries = 5\n' >"$dir/images/api.toml"
	fi
	for ((i = 0; i < n; i++)); do
		stage=${stages[i % 3]}
		res=()
		if [ -n "${RESOURCES:-}" ]; then
			res=("network = \"net$((i % 10))\"" "secrets = [\"token$((i % 10))\"]")
			if ((i % 10 == 0)); then
				mkdir -p "$dir/services/$(printf 'svc%05d' "$i").toml.d"
				printf '[[components]]\nname = "api"\nenv = { LOG_LEVEL = "debug" }\n' \
					>"$dir/services/$(printf 'svc%05d' "$i").toml.d/10-log.toml"
			fi
		fi
		printf '%s\n' \
			"stage = \"$stage\"" "" \
			'[[components]]' 'name = "api"' 'image = "registry.example/api:1.4"' \
			'cmd = ["serve", "--listen", ":8080", "--log-level", "info"]' \
			"ports = [\"127.0.0.1:$((10000 + i % 50000)):8080\"]" \
			'env = { LOG_LEVEL = "info", REGION = "eu-1" }' \
			"volumes = [\"/srv/api:/data:Z\"${RESOURCES:+, \"data$((i % 10)):/var/lib/api\"}]" \
			${res[@]+"${res[@]}"} 'restart = "always"' '' \
			'[components.health]' 'check = "http"' 'path = "/healthz"' '' \
			'[[components]]' 'name = "db"' 'image = "registry.example/db:15"' \
			"ports = [\"127.0.0.1:$((20000 + i % 40000)):5432\"]" \
			'env = ["POSTGRES_DB=app"]' 'restart = "on-failure"' \
			>"$dir/services/$(printf 'svc%05d' "$i").toml"
	done
}

printf '%-9s %-8s %-28s %s\n' services units "wall time (mean ± sd, min)" "peak RSS"
for n in "${sizes[@]}"; do
	cfg=$base/config-$n out=$base/out-$n
	tree "$cfg" "$n"
	run=(env BOOTSTAGE_CONFIG_PATH="$cfg" "$bin" "$out")
	"${run[@]}" # once, to check it works and to warm the page cache
	units=$(find "$out" -maxdepth 1 -type f | wc -l)

	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 3 --runs "$runs" --prepare "rm -rf $out" \
			--export-json "$base/h-$n.json" "${run[*]}" >"$base/h-$n.log" 2>&1 || { cat "$base/h-$n.log"; exit 1; }
		wall=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ms ± %.1f, min %.1f" % (r["mean"]*1e3, r["stddev"]*1e3, r["min"]*1e3))' "$base/h-$n.json")
	else
		total=0 best=999999
		for ((r = 0; r < runs; r++)); do
			rm -rf "$out"
			t0=$(date +%s%N)
			"${run[@]}"
			t=$((($(date +%s%N) - t0) / 1000))
			total=$((total + t))
			((t < best)) && best=$t
		done
		wall="$((total / runs / 1000)) ms mean, min $((best / 1000)) ms"
	fi

	rss=0
	for ((r = 0; r < 5; r++)); do
		rm -rf "$out"
		kb=$(/usr/bin/time -v "${run[@]}" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {print $2+0}')
		((kb > rss)) && rss=$kb
	done
	printf '%-9s %-8s %-28s %s\n' "$n" "$units" "$wall" "$((rss / 1024)) MB ($rss kB)"
done
