# Developer and CI entry points. Go is expected at /usr/local/go (or on PATH).
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
# grpcnotrace: see meson.build. Binaries built here match the packaged ones.
GOTAGS = grpcnotrace

# Packages whose tests define -update (golden files).
GOLDEN_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' 'flag\.Bool."update"' .)))

.PHONY: all build test check deps vet fmt-check e2e packaging golden bench demo graph clean-e2e-cache

all: build

build:
	$(GO) build -tags $(GOTAGS) ./...

## test: unit tests only (e2e tests skip themselves without BOOTSTAGE_E2E=1)
test:
	$(GO) test ./...

## check: everything CI runs: deps, gofmt, vet, unit tests, the e2e tests under a real systemd, packaging
check: deps fmt-check vet test e2e packaging

deps:
	@scripts/install-deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## e2e: the end-to-end tests (root; builds the e2e root in /var/cache/bootstage-e2e on first use)
e2e:
	BOOTSTAGE_E2E=1 $(GO) test -count=1 -timeout 20m ./e2e/...

## packaging: meson build and install checked file by file, the .deb and lintian, the RPM spec,
## and the .deb installed, upgraded and removed in the e2e machine (issue 6)
packaging:
	BOOTSTAGE_E2E=1 contrib/ci/test-packaging.sh

## graph: the example stack's stage graph, docs/graph.png (needs graphviz's dot)
graph:
	$(GO) run ./cmd/bootstage graph --config-path contrib/examples/three-stage --render png --output docs/graph.png

## golden: rewrite the golden files from the current code
golden:
	$(GO) test $(GOLDEN_PKGS) -update

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## demo: the main job on the three-stage example in a throwaway systemd (root; installs what it needs, as check does)
demo: deps
	$(GO) run ./e2e/demo $(if $(EXAMPLE),-example $(EXAMPLE))

clean-e2e-cache:
	rm -rf $${BOOTSTAGE_E2E_DIR:-/var/cache/bootstage-e2e}
