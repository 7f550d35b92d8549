# argo — smart-routing overlay network.
#
#   make build     build argod, argoctl and argosim into bin/
#   make test      run the whole test suite (network-namespace tests need root)
#   make bench     run the Go benchmarks of every hot path
#   make demo      run the simulator's default scenario (root) and write a report
#   make generate  rebuild the committed BPF objects and bindings (needs clang)
#   make lint      gofmt + go vet
#   make deps      install the Debian packages the tests and the demo use

GO       ?= go
BIN      := bin
PKGS     := ./...
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DEB_PKGS := iputils-ping iproute2 bird2 wireguard-tools wireguard-go iperf3 nftables ethtool
GEN_PKGS := clang llvm libbpf-dev bpftool

.PHONY: all build test bench demo generate lint deps gen-deps clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/argod ./cmd/argoctl ./cmd/argosim

# Packages run one at a time (-p 1): many tests measure real timing in
# network namespaces (failover, emulated RTTs) and must not compete for the
# two cores with another package's tests.
test: lint
	$(GO) test -p 1 -count=1 -timeout 25m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

demo: build deps
	./$(BIN)/argosim run --out demo-report

generate: gen-deps
	$(GO) generate ./xdp/...

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

gen-deps:
	@missing=""; for p in $(GEN_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	-[ -x $(BIN)/argosim ] && ./$(BIN)/argosim clean
	rm -rf $(BIN) demo-report
