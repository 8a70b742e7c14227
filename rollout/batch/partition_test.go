package batch

import (
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPartitionReplicas(t *testing.T) {
	cases := []struct {
		replicas  int32
		partition intstr.IntOrString
		want      int32
		wantErr   bool
	}{
		// OpenKruise's own TestCalculatePartitionReplicas cases.
		{9, intstr.FromString("99%"), 8, false},
		{10, intstr.FromString("90%"), 9, false},
		{10, intstr.FromString("1%"), 1, false},
		{99, intstr.FromString("99%"), 98, false},
		{99, intstr.FromString("100%"), 99, false},
		{99, intstr.FromString("0%"), 0, false},
		{0, intstr.FromString("99%"), 0, false},
		{999, intstr.FromString("99.99%"), 998, false},
		{9, intstr.FromString("0.01%"), 1, false},
		{10, intstr.FromInt32(5), 5, false},
		{10, intstr.FromInt32(0), 0, false},
		{10, intstr.FromInt32(10), 10, false},
		{9, intstr.FromString("99"), 0, true},
		// Rounding up, and the "at least one updated" rule only for replicas > 1.
		{5, intstr.FromString("50%"), 3, false},
		{1, intstr.FromString("99%"), 1, false},
		{1, intstr.FromString("1%"), 1, false},
		{2, intstr.FromString("99%"), 1, false},
		{10, intstr.FromString("100.0%"), 9, false},
		// Clamping.
		{10, intstr.FromInt32(15), 10, false},
		{10, intstr.FromInt32(-3), 0, false},
		{-1, intstr.FromString("50%"), 0, false},
		// Syntax that ParseFloat would take but a partition must not.
		{10, intstr.FromString("150%"), 10, false},
		{10, intstr.FromString("-5%"), 0, true},
		{10, intstr.FromString("1e2%"), 0, true},
		{10, intstr.FromString("NaN%"), 0, true},
		{10, intstr.FromString(" 5%"), 0, true},
		{10, intstr.FromString("%"), 0, true},
		{10, intstr.FromString("5.%"), 0, true},
	}
	for _, tc := range cases {
		got, err := PartitionReplicas(tc.partition, tc.replicas)
		if (err != nil) != tc.wantErr {
			t.Errorf("PartitionReplicas(%s, %d) error = %v, want error %v", formatValue(tc.partition), tc.replicas, err, tc.wantErr)
			continue
		}
		if got != tc.want {
			t.Errorf("PartitionReplicas(%s, %d) = %d, want %d", formatValue(tc.partition), tc.replicas, got, tc.want)
		}
	}
}

// TestPartitionReplicasInvariants checks, for every integer percent and small
// replica counts, the promises the doc comment makes: within [0, replicas],
// at least one old pod above 0%, at least one updated pod below 100%.
func TestPartitionReplicasInvariants(t *testing.T) {
	for replicas := int32(0); replicas <= 50; replicas++ {
		prev := int32(0)
		for pct := 0; pct <= 100; pct++ {
			p := intstr.FromString(strconv.Itoa(pct) + "%")
			got, err := PartitionReplicas(p, replicas)
			if err != nil {
				t.Fatalf("%d%% of %d: %v", pct, replicas, err)
			}
			if got < 0 || got > replicas {
				t.Fatalf("%d%% of %d = %d, outside [0, %d]", pct, replicas, got, replicas)
			}
			if pct > 0 && replicas > 0 && got == 0 {
				t.Fatalf("%d%% of %d keeps no old pod", pct, replicas)
			}
			if pct < 100 && replicas > 1 && got == replicas {
				t.Fatalf("%d%% of %d updates no pod", pct, replicas)
			}
			if got < prev {
				t.Fatalf("%d%% of %d = %d, below %d for a smaller percent", pct, replicas, got, prev)
			}
			prev = got
		}
	}
}
