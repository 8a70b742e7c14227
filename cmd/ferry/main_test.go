package main

import (
	"testing"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// The tests named *_cluster_test.go run against a real local control plane
// (test/cluster); `go test -short` skips them and runs the others only.
func TestMain(m *testing.M) { cluster.Main(m) }
