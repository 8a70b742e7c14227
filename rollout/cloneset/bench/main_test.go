// Package bench measures ferry's CloneSet engine against the Kubernetes
// Deployment controller on the same local control plane in the same run:
// a full rollout with maxSurge 10% and maxUnavailable 10%, where a pod is
// Ready 1 s after it starts (kwok's pod-start stage waits 1 s; see
// cluster.Options.PodStartDelay). Every number is printed as a ratio to its
// peer from the same run.
//
//	go test -run '^$' -bench . -benchtime 1x ./rollout/cloneset/bench/
package bench

import (
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// readyDelay is how long after it starts a pod becomes Ready.
const readyDelay = time.Second

func TestMain(m *testing.M) {
	cluster.MainWith(m, func(o *cluster.Options) { o.PodStartDelay = readyDelay })
}
