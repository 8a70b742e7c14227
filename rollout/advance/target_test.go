package advance

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/batch"
)

// TestStepNext is the truth table of step's doc comment.
func TestStepNext(t *testing.T) {
	p, err := batch.Parse("3,1,0")
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Resolve(5)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		live *int32 // nil: the cluster was not read
		git  int32
		want string
	}{
		{ptr(3), 3, "batch 1 → 2 of 3 (partition 3 → 1)"},
		{ptr(3), 1, "already at batch 2 of 3 (partition 1)"},
		{ptr(1), 1, "batch 2 → 3 of 3 (partition 1 → 0)"},
		{ptr(5), 1, "already at batch 2 of 3 (partition 1)"},
		{ptr(5), 4, "batch 0 → 1 of 3 (partition 4 → 3)"},
		{ptr(1), 3, "batch 1 → 2 of 3 (partition 3 → 1)"}, // the cluster ahead: git decides (the health gate objects)
		{nil, 3, "batch 1 → 2 of 3 (partition 3 → 1)"},
		{ptr(0), 0, "rollout already done: batch 3 of 3 (partition 0)"},
	}
	for _, tc := range cases {
		var live *intstr.IntOrString
		if tc.live != nil {
			v := intstr.FromInt32(*tc.live)
			live = &v
		}
		st, err := step(r, intstr.FromInt32(tc.git), live, Next(), batch.StepOptions{})
		got := st.String()
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("live %v, git %d: %q, want %q", deref(tc.live), tc.git, got, tc.want)
		}
	}
}

func ptr(v int32) *int32 { return &v }

func deref(p *int32) any {
	if p == nil {
		return "unknown"
	}
	return *p
}
