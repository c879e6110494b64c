# eq — electronic queue. `make run` starts the demo office, `make test` runs every test.
GO      ?= go
BIN     ?= eq
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Debian packages the build and the tests need: cgo for SQLite; X11 and GL
# headers for the hall display (ebiten); Xvfb and xwd to test it on a machine
# without a screen; Chromium for the page tests; prometheus for promtool,
# which lints /metrics (the package also holds the Prometheus server, which
# Debian enables on install where systemd runs: `systemctl disable --now
# prometheus` if it is not wanted); strace for the crash test that checks
# every answer follows its fsync.
DEB_PACKAGES := gcc libc6-dev git ca-certificates \
	libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev \
	libgl1-mesa-dev libgl1-mesa-dri libasound2-dev \
	xvfb xauth x11-apps alsa-utils chromium prometheus strace

.PHONY: all deps check-go build run test bench lint clean voices fuzz

all: build

# deps installs what is missing (apt-get as root or via sudo).
deps: check-go
	@scripts/install-deps.sh $(DEB_PACKAGES)

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { \
		echo "Go не найден: установите Go 1.26+ (https://go.dev/doc/install) и добавьте в PATH. Go not found: install Go 1.26+."; exit 1; }

# build makes eq (the server and every tool) and eq-display, the same program
# with the hall display's renderer: ebiten needs an X display before main
# runs, so the server's binary must not link it. `eq display` runs eq-display.
build: deps
	CGO_ENABLED=1 $(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/eq
	CGO_ENABLED=1 $(GO) build -tags display -ldflags "-X main.version=$(VERSION)" -o $(BIN)-display ./cmd/eq

# run starts the server on the embedded demo office at http://127.0.0.1:8080/.
run: build
	./$(BIN) serve

test: deps
	$(GO) vet ./...
	$(GO) vet -tags display ./cmd/eq
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	CGO_ENABLED=1 FUZZTIME=5s scripts/fuzz.sh

# fuzz runs every fuzz target for FUZZTIME each and keeps any failing input
# in the package's testdata/fuzz/; `make fuzz FUZZTIME=10m` searches longer.
# make test ends with a 5 s run of each (about 2 minutes).
FUZZTIME ?= 10s
fuzz: deps
	CGO_ENABLED=1 FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# bench runs every benchmark once over and ends with the performance proof:
# a table of eq's figures, each beside its raw baseline measured in the same
# run (internal/benchtable pairs them; the figures are listed there). The
# whole output is kept in bench.out. The simulator's 20,000-day Erlang C run
# alone takes 5 to 7 minutes on 2 cores, hence the long timeout. The table
# prints whatever happened; a failed benchmark or a figure not measured then
# fails the target. bench-proof runs only what the table needs (1-2 minutes);
# BENCHTIME=3s gives the latency percentiles more samples (2-4 minutes).
.PHONY: bench-proof
bench: deps
	{ $(GO) version; echo "cores: $$(getconf _NPROCESSORS_ONLN)"; \
	  CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -benchmem -benchtime $(or $(BENCHTIME),1s) -timeout 60m ./...; } 2>&1 | tee bench.out
	$(GO) run ./internal/benchtable < bench.out

bench-proof: deps
	{ $(GO) version; echo "cores: $$(getconf _NPROCESSORS_ONLN)"; \
	  CGO_ENABLED=1 $(GO) test -run '^$$' -bench "$$($(GO) run ./internal/benchtable -regexp)" -benchmem \
	    -benchtime $(or $(BENCHTIME),1s) -timeout 30m $$($(GO) run ./internal/benchtable -packages); } 2>&1 | tee bench.out
	$(GO) run ./internal/benchtable < bench.out

lint: check-go
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi

# voices remakes the hall's default voice (devices/sound/voice) with
# espeak-ng; run it after changing a text in devices/sound/texts.go and
# commit the files. eq itself needs no synthesizer.
voices: check-go
	@scripts/install-deps.sh espeak-ng
	$(GO) run ./devices/sound/gen -out devices/sound/voice

clean:
	rm -f $(BIN) $(BIN)-display
