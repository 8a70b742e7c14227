#!/usr/bin/env bash
# Builds the local control plane from Go modules (no Docker, no prebuilt
# downloads) into a cache outside the repository, keyed by the tools module's
# go.sum, so only the first run on a machine pays for the build (7-10 minutes
# on 2 cores); later runs return in well under a second.
#
# Usage: hack/build-controlplane.sh      prints the directory holding the binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
k8s_version="v1.37.2"
# The key covers every input of the build: module versions and this script.
key="$(cat "$tools/go.mod" "$tools/go.sum" "$tools/kwok/go.mod" "$tools/kwok/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)"
cache="${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}"
bin="$cache/bin/k8s-$k8s_version-$key"

bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)
complete=1
for b in "${bins[@]}"; do [ -x "$bin/$b" ] || complete=0; done
if [ "$complete" = 1 ]; then echo "$bin"; exit 0; fi

mkdir -p "$bin"
log() { echo "build-controlplane: $*" >&2; }
log "building the local control plane into $bin"
log "first build on a machine takes 7-10 minutes on 2 cores; it is cached afterwards"

minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version \
 -X k8s.io/client-go/pkg/version.gitMajor=1 \
 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

build() { # build <dir-with-go.mod> <output> <package>
  local start=$SECONDS
  [ -x "$bin/$2" ] && return 0
  log "  $2 ..."
  (cd "$1" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin/$2.tmp" "$3")
  mv "$bin/$2.tmp" "$bin/$2"
  log "  $2 built in $((SECONDS - start))s"
}

build "$tools" etcd go.etcd.io/etcd/server/v3
build "$tools" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build "$tools" kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build "$tools" kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build "$tools" kubectl k8s.io/kubernetes/cmd/kubectl
build "$tools/kwok" kwok sigs.k8s.io/kwok/cmd/kwok
echo "$bin"
