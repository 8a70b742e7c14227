// Package e2e runs ferry against a real local control plane (test/cluster):
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
// nodes, all on loopback. `go test -short` skips it.
package e2e

import (
	"testing"

	"github.com/ferry-gitops/ferry/test/cluster"
)

func TestMain(m *testing.M) { cluster.Main(m) }
