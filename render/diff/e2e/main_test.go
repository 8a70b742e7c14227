// Package e2e runs `ferry diff` against the local control plane
// (test/cluster): the --live dry-run diff, and the rollout preview compared
// with what ferry's CloneSet engine then does. `go test -short` skips it.
package e2e

import (
	"testing"

	"github.com/ferry-gitops/ferry/test/cluster"
)

func TestMain(m *testing.M) { cluster.Main(m) }
