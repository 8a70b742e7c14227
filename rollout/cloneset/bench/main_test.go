// Package bench measures ferry's CloneSet engine against the Kubernetes
// Deployment controller on the same local control plane in the same run:
// a full rollout of N pods with maxSurge 10% and maxUnavailable 10%, where
// a pod is Ready 1 s after it starts. Every number is printed next to its
// peer from the same run.
//
// What keeps the comparison fair:
//   - "Ready 1 s after start" is kwok's pod-start stage delayed to an
//     absolute deadline stamped when the pod is scheduled
//     (cluster.Options.PodStartDelay), so it holds for every pod alike; a
//     plain stage delay would restart at each write to the pod and so
//     punish whichever controller writes pods more. minReadySeconds is 0
//     on both (its timestamps have 1 s granularity).
//   - The CloneSet uses ReCreate, the only thing a Deployment can do; the
//     engine runs in this process with the client limits
//     kube-controller-manager has (500 QPS, burst 1000).
//   - The Deployment runs first, then ferry, each in a fresh namespace; the
//     previous namespace is gone before the next rollout starts. The same
//     pod watch times both.
//
// FERRY_BENCH_TIMELINE=1 also logs every (TOTAL/UPDATED) milestone and the
// engine's counters; FERRY_BENCH_TRACE=1 the most common sequences of
// changes a new pod went through; FERRY_E2E_LOG=debug a line per engine
// pass. Every run logs the writes the API server served, by kind, for both
// rollouts.
//
//	go test -run '^$' -bench . -benchtime 1x ./rollout/cloneset/bench/
package bench

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// readyDelay is how long after it starts a pod becomes Ready.
const readyDelay = time.Second

// TestMain starts the control plane only when benchmarks run: the package
// has no tests, and `make test` should not pay for a cluster it never uses.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	cluster.MainWith(m, func(o *cluster.Options) { o.PodStartDelay = readyDelay })
}
