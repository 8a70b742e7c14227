package plan

import (
	"fmt"
	"testing"
)

// BenchmarkPass plans a pass for a 1000-pod CloneSet halfway through a
// rollout, with a few pods to scale in.
func BenchmarkPass(b *testing.B) {
	t := &testing.T{}
	cs := testCloneSet(1000, "500", "10%", "5%")
	in := testInput(t, cs, "510o 500n 3nx", testOld)
	for i, p := range in.Pods {
		p.Name = fmt.Sprintf("pod-%04d", i)
		p.Spec.NodeName = fmt.Sprintf("node-%d", i%50)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Pass(in); err != nil {
			b.Fatal(err)
		}
	}
}
