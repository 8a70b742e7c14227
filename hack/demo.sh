#!/usr/bin/env bash
# make demo: ferry's main job on the embedded default, a local control plane
# (etcd, kube-apiserver, controllers, kwok fake nodes) and the bundled example
# repository under examples/. Runs unattended; exits 0 when it reached its end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export FERRY_CLUSTER_DIR="${FERRY_CLUSTER_DIR:-${TMPDIR:-/tmp}/ferry-demo}"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n==> %s\n' "$*"; }

say "1/4 Building the local control plane (first run on a machine: 7-10 minutes; cached in ~/.cache/ferry)"
bin="$(hack/build-controlplane.sh)"
export PATH="$bin:$root/bin:$PATH"

say "2/4 Starting it on loopback: etcd, kube-apiserver, controller-manager, scheduler, kwok nodes"
eval "$(hack/cluster up --dir "$FERRY_CLUSTER_DIR")"
kubectl get nodes

say "3/4 Installing the OpenKruise CRDs ferry runs (CloneSet, SidecarSet)"
kubectl apply --server-side -f deploy/crds/ >/dev/null
kubectl wait --for=condition=Established --timeout=60s crd/clonesets.apps.kruise.io crd/sidecarsets.apps.kruise.io >/dev/null
echo "installed: $(kubectl get crd -o name | tr '\n' ' ')"

say "4/4 Applying the example overlay examples/overlays/prod"
kubectl kustomize examples/overlays/prod | kubectl apply --server-side -f -
kubectl get clone demo

cat <<MSG

What happened: a real control plane is running in $FERRY_CLUSTER_DIR and holds
the example CloneSet (5 replicas, maxSurge 20%, maxUnavailable 0).

Not yet: ferry's rollout engine and GitOps loop are still being built, so no
pods are created yet (DESIRED 5, TOTAL 0). ferry $(bin/ferry version | cut -d' ' -f2)
is at bin/ferry.

Use it:   export KUBECONFIG=$FERRY_CLUSTER_DIR/kubeconfig PATH=$bin:\$PATH
Stop it:  hack/cluster down --dir $FERRY_CLUSTER_DIR
MSG
