#!/usr/bin/env bash
# make demo: ferry's main job on the embedded default, a local control plane
# (etcd, kube-apiserver, controllers, kwok fake nodes) and the bundled example
# repository under examples/, rolled out in batches that live in git.
# Runs unattended (no TTY needed) and exits 0 when the rollout reached its end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export FERRY_CLUSTER_DIR="${FERRY_CLUSTER_DIR:-${TMPDIR:-/tmp}/ferry-demo}"
work="$FERRY_CLUSTER_DIR-git"
ferry="$root/bin/ferry"

if [ -t 1 ]; then bold=$'\033[1m'; dim=$'\033[2m'; off=$'\033[0m'; else bold= dim= off=; fi
step=0
say() { step=$((step + 1)); printf '\n%s==> %d. %s%s\n' "$bold" "$step" "$*" "$off"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$off"; }
fail() { printf '\ndemo: %s\n' "$*" >&2; [ -f "$work/ferry.log" ] && tail -20 "$work/ferry.log" >&2; exit 1; }

say "Building the local control plane (first run on a machine: 7-10 minutes; cached in ~/.cache/ferry)"
bin="$(hack/build-controlplane.sh)"
export PATH="$bin:$root/bin:$PATH"

say "Starting it on loopback: etcd, kube-apiserver, controller-manager, scheduler, 3 kwok nodes"
eval "$(hack/cluster up --dir "$FERRY_CLUSTER_DIR")"
kubectl get nodes

# A demo run before this one leaves its objects behind; start clean.
kubectl delete gitsync demo --ignore-not-found --wait=false >/dev/null 2>&1 || true
kubectl delete clonesets,sidecarsets --all --ignore-not-found >/dev/null 2>&1 || true
kubectl delete pods -l app=demo --ignore-not-found --grace-period=0 >/dev/null 2>&1 || true

say "Making a git repository from examples/ (base + overlays/prod): image demo:1.0, partition 0"
rm -rf "$work" && mkdir -p "$work"
git init -q --bare --initial-branch=main "$work/app.git"
git clone -q "$work/app.git" "$work/clone" 2>/dev/null
cp -r examples/base examples/overlays "$work/clone/"
g() { git -C "$work/clone" -c user.name=demo -c user.email=demo@ferry.dev "$@"; }
g checkout -q -B main && g add -A && g commit -q -m "demo: version 1.0" && g push -q origin main
note "$(g log --oneline -1)"

say "Starting ferry: it syncs file://$work/app.git overlays/prod every 2s and runs the CloneSet engine"
"$ferry" run --repo "file://$work/app.git" --branch main --path overlays/prod --interval 2s \
  --name demo -n default --hook-listen "" --metrics-listen "" >"$work/ferry.log" 2>&1 &
ferry_pid=$!
trap 'kill $ferry_pid 2>/dev/null || true' EXIT

# watch_clone UPDATED TOTAL: print every change of `kubectl get clone demo`
# (from a watch, so no step is missed) until it shows UPDATED updated pods
# of TOTAL, all ready.
watch_clone() {
  local want="$1 $1 $2 $2" last="" line fd pid
  local cols='NAME:.metadata.name,DESIRED:.spec.replicas,UPDATED:.status.updatedReplicas,UPDATED_READY:.status.updatedReadyReplicas,READY:.status.readyReplicas,TOTAL:.status.replicas'
  # our own watch, stopped by its PID (not by a pattern that could match
  # another run's)
  exec {fd}< <(exec timeout 120 kubectl get clone -w --field-selector metadata.name=demo -o custom-columns="$cols" 2>&1)
  pid=$!
  while IFS= read -r -u "$fd" line; do
    [ "$line" != "$last" ] || continue
    echo "    $line" && last=$line
    read -r _ _ updated updready ready total <<<"$line"
    if [ "$updated $updready $ready $total" = "$want" ]; then
      kill "$pid" 2>/dev/null || true
      exec {fd}<&-
      return 0
    fi
  done
  exec {fd}<&-
  fail "the rollout did not reach $1 updated of $2 in time"
}
wait_ready() { # until the GitSync reports Ready=True for what it applied
  kubectl wait gitsync/demo --for=condition=Ready --timeout=60s >/dev/null || fail "GitSync demo never became Ready"
}
wait_synced() { # wait_synced REV: until the GitSync applied REV
  local deadline=$((SECONDS + 60))
  until kubectl get gitsync demo -o jsonpath='{.status.lastAppliedRevision}' 2>/dev/null | grep -q "$1"; do
    [ $SECONDS -lt $deadline ] || fail "revision $1 was not applied"
    sleep 0.2
  done
}

# ferry installs the OpenKruise CRDs when they are missing; wait for them.
deadline=$((SECONDS + 60))
until kubectl get crd clonesets.apps.kruise.io >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "ferry did not install the CloneSet CRD"
  sleep 0.2
done
kubectl wait --for=condition=Established --timeout=60s crd/clonesets.apps.kruise.io >/dev/null
watch_clone 5 5
wait_synced "$(g rev-parse HEAD)"
wait_ready
"$ferry" status

say "A release: commit demo:1.1 with partition 3 (batch 1 of 3: two of five pods move)"
sed -i 's/newTag: "1.0"/newTag: "1.1"/' "$work/clone/overlays/prod/kustomization.yaml"
sed -i 's/partition: 0/partition: 3/' "$work/clone/overlays/prod/partition.yaml"
g commit -q -am "release demo 1.1: batch 1 of 3"
note "what the pull request would show (ferry diff HEAD~1 HEAD):"
"$ferry" diff --repo "$work/clone" --base HEAD~1 --head HEAD overlays/prod --color never | sed 's/^/    /' || true
g push -q origin main
note "ferry applies it; the engine surges one pod (maxSurge 20%), never drops below 5 available:"
watch_clone 2 5
wait_ready

say "Batch 2: ferry advance commits partition 3 → 1 (it checks batch 1 is healthy first)"
"$ferry" advance default/demo --repo "$work/clone" --next --push | sed 's/^/    /'
watch_clone 4 5
wait_ready

say "Batch 3: ferry advance commits partition 1 → 0"
"$ferry" advance default/demo --repo "$work/clone" --next --push | sed 's/^/    /'
watch_clone 5 5
wait_synced "$(g rev-parse HEAD)"
wait_ready

say "Done. Every batch is a commit in git:"
g log --format='    %h %s' -4
echo
"$ferry" status
echo
kubectl get clone demo
kill $ferry_pid 2>/dev/null || true
cat <<MSG

The control plane keeps running in $FERRY_CLUSTER_DIR (ferry has stopped):
  export KUBECONFIG=$FERRY_CLUSTER_DIR/kubeconfig PATH=$bin:\$PATH
  hack/cluster down --dir $FERRY_CLUSTER_DIR
MSG
