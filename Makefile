# Vellum's build and test entry points. `make test` installs what the tests
# need (Debian's wget, the npm WARC reader, ReplayWeb.page), runs every test, then every
# fuzz target for a few seconds.

GO      ?= go
BIN     := .bin
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build test test-tools vet fuzz bench clean

all: build

# The commit is linked in for `vellum version`: the toolchain's own stamp is
# missing in a git worktree and with GOFLAGS=-buildvcs=false.
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)

build:
	$(GO) build -ldflags "-X main.buildCommit=$(COMMIT)" -o $(BIN)/vellum ./cmd/vellum

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Components the tests use, installed when missing: Debian's wget (other
# tools' WARCs), chromium (replay in a real browser) and python3 (its zipfile
# makes the WACZ files of another tool), redis-server (the shared frontier's
# tests start private ones, internal/redistest), the npm WARC reader and ReplayWeb.page. The Go WARC reader (nlnwa/gowarc, in internal/warctest) is a module dependency.
# PostgreSQL (the shared index's tests, internal/pgtest) is not on PATH: its
# server is looked for where Debian's postgresql package puts it.
DEBS := wget chromium python3 redis-server
PG_INITDB := /usr/lib/postgresql/*/bin/initdb
# ReplayWeb.page for the WACZ interop test: its npm dependency tree does not
# install here (it asks for a warcio release the registry lacks), but the
# published package is self-contained: ui.js and sw.js are all it needs.
RWP_VERSION := 2.5.3
RWP := .cache/replaywebpage-$(RWP_VERSION)
test-tools: node_modules/.package-lock.json $(BIN)/minio $(RWP)/package/sw.js
	@missing=""; for p in $(DEBS); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	ls $(PG_INITDB) >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# The MinIO server the S3 tests start (internal/miniotest). It is AGPL: it
# only ever runs as a separate process, nothing imports it. Built once;
# delete .bin/minio to rebuild (~4 min on 2 cores).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
$(BIN)/minio:
	GOBIN=$(CURDIR)/$(BIN) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

$(RWP)/package/sw.js:
	mkdir -p $(RWP)
	cd $(RWP) && npm pack --silent replaywebpage@$(RWP_VERSION) && tar xzf replaywebpage-$(RWP_VERSION).tgz package/ui.js package/sw.js package/package.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test: vet test-tools
	$(GO) test -race -count=1 -timeout 20m ./...
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh

# Every fuzz target (any `func FuzzX` in a *_test.go, found by the script)
# for FUZZTIME each: about 3 s a target with the build. A failing input
# lands in the package's testdata/fuzz/FuzzX/: commit it with the fix.
# `make fuzz FUZZTIME=5m` fuzzes for longer; scripts/fuzz.sh REGEXP runs some.
FUZZTIME ?= 2s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./warc/ ./capture/
	bench/capture.sh

clean:
	rm -rf $(BIN) node_modules .cache
