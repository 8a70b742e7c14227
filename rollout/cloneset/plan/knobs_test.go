package plan

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPartitionReplicas(t *testing.T) {
	for _, tc := range []struct {
		replicas  int
		partition string // "" = nil
		want      int
		wantErr   bool
	}{
		{0, "99%", 0, false},
		{10, "", 0, false},
		{9, "99%", 8, false},
		{10, "90%", 9, false},
		{10, "1%", 1, false},
		{99, "99%", 98, false},
		{99, "100%", 99, false},
		{99, "0%", 0, false},
		{1, "100%", 1, false},
		{1, "1%", 1, false}, // a single pod is not released
		{10, "5", 5, false},
		{10, "0", 0, false},
		{10, "10", 10, false},
		{10, "12", 10, false}, // clamped
		{9, "0.01%", 1, false},
		{999, "99.99%", 998, false},
		{9, "%", 0, true},
		{9, "#%", 0, true},
	} {
		got, err := PartitionReplicas(knob(tc.partition), tc.replicas)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("PartitionReplicas(%q, %d) = %d, %v; want %d, error %v", tc.partition, tc.replicas, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidKnob) {
			t.Errorf("PartitionReplicas(%q): error %v does not wrap ErrInvalidKnob", tc.partition, err)
		}
	}
	// "99" written as a YAML string is a string without '%', not the int 99
	s := intstr.FromString("99")
	if _, err := PartitionReplicas(&s, 9); !errors.Is(err, ErrInvalidKnob) {
		t.Errorf(`partition "99": error %v, want ErrInvalidKnob`, err)
	}
}

// The truth table of the Knobs doc comment.
func TestResolveKnobs(t *testing.T) {
	for _, tc := range []struct {
		replicas                            int32
		partition, maxSurge, maxUnavailable string
		paused                              bool
		scaleMaxUnavailable                 string
		want                                Knobs
	}{
		{5, "3", "20%", "0", false, "", Knobs{5, 3, 1, 0, 1<<31 - 1}},
		{8, "5", "10%", "10%", false, "", Knobs{8, 5, 1, 0, 1<<31 - 1}},
		{1, "0", "50%", "10%", false, "", Knobs{1, 0, 1, 0, 1<<31 - 1}},
		{10, "90%", "0", "", false, "", Knobs{10, 9, 0, 2, 1<<31 - 1}},
		{9, "99%", "0", "1", false, "", Knobs{9, 8, 0, 1, 1<<31 - 1}},
		{5, "3", "1", "20%", true, "", Knobs{5, 3, 0, 1, 1<<31 - 1}},
		{10, "", "", "", false, "15%", Knobs{10, 0, 0, 2, 2}},
		{10, "", "25%", "25%", false, "", Knobs{10, 0, 3, 2, 1<<31 - 1}},
	} {
		cs := testCloneSet(tc.replicas, tc.partition, tc.maxUnavailable, tc.maxSurge)
		cs.Spec.UpdateStrategy.Paused = tc.paused
		cs.Spec.ScaleStrategy.MaxUnavailable = knob(tc.scaleMaxUnavailable)
		got, err := ResolveKnobs(cs)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("replicas %d partition %q surge %q unavailable %q paused %v: got %+v, want %+v",
				tc.replicas, tc.partition, tc.maxSurge, tc.maxUnavailable, tc.paused, got, tc.want)
		}
	}
}

func TestResolveKnobsErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(cs *testCS)
		field string
	}{
		{"partition without %", func(cs *testCS) { cs.Spec.UpdateStrategy.Partition = ptrStr("99") }, "spec.updateStrategy.partition"},
		{"maxSurge decimal percent", func(cs *testCS) { cs.Spec.UpdateStrategy.MaxSurge = ptrStr("12.5%") }, "spec.updateStrategy.maxSurge"},
		{"maxUnavailable without %", func(cs *testCS) { cs.Spec.UpdateStrategy.MaxUnavailable = ptrStr("20") }, "spec.updateStrategy.maxUnavailable"},
		{"nil replicas", func(cs *testCS) { cs.Spec.Replicas = nil }, "spec.replicas"},
	} {
		cs := testCloneSet(5, "0", "1", "0")
		tc.tweak(cs)
		_, err := ResolveKnobs(cs)
		if !errors.Is(err, ErrInvalidKnob) || !contains(err.Error(), tc.field) {
			t.Errorf("%s: error %v, want ErrInvalidKnob naming %s", tc.name, err, tc.field)
		}
	}
}
