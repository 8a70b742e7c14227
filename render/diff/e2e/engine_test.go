package e2e

import (
	"testing"

	"github.com/ferry-gitops/ferry/rollout/cloneset/engine/enginetest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// startEngine runs ferry's CloneSet engine in the test process, scoped to
// namespace ns, until the test ends.
func startEngine(t *testing.T, c *cluster.Cluster, ns string) {
	t.Helper()
	enginetest.Start(t, c.Config, ns)
}
