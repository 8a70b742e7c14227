# ferry: GitOps reconciler for batched rollouts on Kubernetes.
#
#   make demo       the main job on the embedded default: a local control plane
#                   and the bundled example repository
#   make test       unit tests + e2e tests against a real local control plane
#   make bench      benchmarks (ratios against peers, where there is one, measured in the same run)
#   make lint       gofmt + go vet
#   make generate   regenerate deepcopy code and deploy/crds (kruise-api + ferry's GitSync)
#
# The first run on a machine builds the control plane from Go modules
# (7-10 minutes on 2 cores) and caches it in ~/.cache/ferry.

GO       ?= go
BIN      := bin/ferry
PKG      := github.com/ferry-gitops/ferry
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/internal/version.Version=$(VERSION) \
            -X $(PKG)/internal/version.Commit=$(COMMIT) -X $(PKG)/internal/version.Date=$(DATE)
# kustomize pulls in Go's plugin package; with cgo the binary is 2.5x bigger.
export CGO_ENABLED := 0

# e2e packages each start a control plane; a rollout e2e can take minutes.
TEST_TIMEOUT ?= 30m
BENCH        ?= .
BENCHTIME    ?= 1x

.PHONY: all build test unit e2e demo bench lint generate controlplane clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ferry

## test: unit tests and e2e tests against the local control plane
test: controlplane
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

## unit: only the tests that need no control plane
unit:
	$(GO) test -short ./...

controlplane:
	@hack/build-controlplane.sh >/dev/null

demo: build controlplane
	hack/demo.sh

bench: controlplane
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -timeout 90m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

generate:
	$(GO) generate ./api/... ./rollout/schedule/...
	$(GO) run ./hack/gencrds -out deploy/crds

clean:
	rm -rf bin
