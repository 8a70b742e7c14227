package batch

import (
	"errors"
	"testing"

	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func resolve(t *testing.T, value string, replicas int32) *Resolved {
	t.Helper()
	p, err := Parse(value)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Resolve(replicas)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPosition(t *testing.T) {
	r := resolve(t, "80%,50%,0", 10) // [8 5 0]
	cases := []struct {
		partition intstr.IntOrString
		want      string
		batch     int
		offPlan   string
	}{
		{intstr.FromInt32(12), "batch 0 of 3, not started (partition 12)", 0, ""},
		{intstr.FromInt32(10), "batch 0 of 3, not started (partition 10)", 0, ""},
		{intstr.FromString("100%"), "batch 0 of 3, not started (partition 100% = 10)", 0, ""},
		{intstr.FromInt32(9), "batch 0 of 3, off plan (partition 9)", 0,
			`partition 9 is not a batch of ferry.dev/batches "80%,50%,0" with 10 replicas; it lies above batch 1 (partition 8)`},
		{intstr.FromString("80%"), "batch 1 of 3 (partition 80% = 8)", 1, ""},
		{intstr.FromInt32(8), "batch 1 of 3 (partition 8)", 1, ""},
		{intstr.FromInt32(6), "batch 1 of 3, off plan (partition 6)", 1,
			`partition 6 is not a batch of ferry.dev/batches "80%,50%,0" with 10 replicas; it lies between batch 1 (partition 8) and batch 2 (partition 5)`},
		{intstr.FromString("45%"), "batch 2 of 3 (partition 45% = 5)", 2, ""},
		{intstr.FromInt32(1), "batch 2 of 3, off plan (partition 1)", 2,
			`partition 1 is not a batch of ferry.dev/batches "80%,50%,0" with 10 replicas; it lies between batch 2 (partition 5) and batch 3 (partition 0)`},
		{intstr.FromInt32(0), "batch 3 of 3, done (partition 0)", 3, ""},
	}
	for _, tc := range cases {
		pos, err := r.Position(tc.partition)
		if err != nil {
			t.Fatalf("Position(%s): %v", formatValue(tc.partition), err)
		}
		if got := pos.String(); got != tc.want {
			t.Errorf("Position(%s) = %q, want %q", formatValue(tc.partition), got, tc.want)
		}
		if pos.Batch != tc.batch {
			t.Errorf("Position(%s).Batch = %d, want %d", formatValue(tc.partition), pos.Batch, tc.batch)
		}
		gotOff := ""
		if pos.OffPlan != nil {
			gotOff = pos.OffPlan.Error()
			if !errors.Is(pos.OffPlan, ErrNotInPlan) {
				t.Errorf("OffPlan does not match ErrNotInPlan")
			}
		}
		if gotOff != tc.offPlan {
			t.Errorf("Position(%s).OffPlan = %q, want %q", formatValue(tc.partition), gotOff, tc.offPlan)
		}
	}
	if _, err := r.Position(intstr.FromString("5")); err == nil {
		t.Error(`Position("5") (a string without %): want an error`)
	}
}

func TestNext(t *testing.T) {
	r := resolve(t, "3,1,0", 5)
	cases := []struct {
		partition int32
		want      string
		wantErr   error
	}{
		{5, "batch 0 → 1 of 3 (partition 5 → 3)", nil},
		{3, "batch 1 → 2 of 3 (partition 3 → 1)", nil},
		{2, "batch 1 → 2 of 3 (partition 2 → 1)", nil}, // off plan: to the nearest batch below
		{1, "batch 2 → 3 of 3 (partition 1 → 0)", nil},
		{0, "", ErrDone},
	}
	for _, tc := range cases {
		step, err := r.Next(intstr.FromInt32(tc.partition))
		if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
			t.Errorf("Next(%d) error = %v, want %v", tc.partition, err, tc.wantErr)
			continue
		}
		if err == nil && step.String() != tc.want {
			t.Errorf("Next(%d) = %q, want %q", tc.partition, step.String(), tc.want)
		}
	}
	if _, err := NoPlan(5).Next(intstr.FromInt32(3)); !errors.Is(err, ErrNoPlan) {
		t.Errorf("NoPlan.Next error = %v, want ErrNoPlan", err)
	}
}

func TestNextKeepsPercentsAsWritten(t *testing.T) {
	r := resolve(t, "80%,50%,0", 10)
	step, err := r.Next(intstr.FromString("80%"))
	if err != nil {
		t.Fatal(err)
	}
	if step.To.Value != intstr.FromString("50%") {
		t.Errorf("value to commit = %#v, want the entry as written, \"50%%\"", step.To.Value)
	}
	if got, want := step.String(), "batch 1 → 2 of 3 (partition 80% = 8 → 50% = 5)"; got != want {
		t.Errorf("step = %q, want %q", got, want)
	}
}

func TestToBatch(t *testing.T) {
	r := resolve(t, "3,1,0", 5)
	cases := []struct {
		partition int32
		k         int
		force     bool
		want      string
		wantErr   error
		errText   string
	}{
		{partition: 3, k: 2, want: "batch 1 → 2 of 3 (partition 3 → 1)"},
		{partition: 1, k: 2, wantErr: ErrAlreadyAtBatch, errText: "already at batch 2 of 3 (partition 1)"},
		{partition: 1, k: 2, force: true, wantErr: ErrAlreadyAtBatch, errText: "already at batch 2 of 3 (partition 1)"},
		{partition: 0, k: 3, wantErr: ErrAlreadyAtBatch, errText: "already at batch 3 of 3 (partition 0)"},
		{partition: 5, k: 2, wantErr: ErrNotNextStep,
			errText: "partition 5 → 1 (batch 0 → 2 of 3) is not the next step; the next step is batch 1 (partition 3); use --force to commit it anyway"},
		{partition: 5, k: 2, force: true, want: "batch 0 → 2 of 3 (partition 5 → 1)"},
		{partition: 1, k: 1, wantErr: ErrNotNextStep,
			errText: "partition 1 → 3 (batch 2 → 1 of 3) raises the partition, which OpenKruise does not roll back by default; the next step is batch 3 (partition 0); use --force to commit it anyway"},
		{partition: 0, k: 2, wantErr: ErrNotNextStep,
			errText: "partition 0 → 1 (batch 3 → 2 of 3) raises the partition, which OpenKruise does not roll back by default; use --force to commit it anyway"},
		{partition: 2, k: 2, want: "batch 1 → 2 of 3 (partition 2 → 1)"}, // off plan, next batch below
		{partition: 3, k: 4, wantErr: ErrBatchRange, errText: "batch 4 does not exist: the plan has batches 1 to 3"},
		{partition: 3, k: 0, wantErr: ErrBatchRange, errText: "batch 0 does not exist: the plan has batches 1 to 3"},
	}
	for _, tc := range cases {
		step, err := r.ToBatch(intstr.FromInt32(tc.partition), tc.k, StepOptions{Force: tc.force})
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) || err.Error() != tc.errText {
				t.Errorf("ToBatch(%d, %d, force=%v) error = %v, want %q", tc.partition, tc.k, tc.force, err, tc.errText)
			}
			continue
		}
		if err != nil {
			t.Errorf("ToBatch(%d, %d, force=%v): %v", tc.partition, tc.k, tc.force, err)
			continue
		}
		if step.String() != tc.want {
			t.Errorf("ToBatch(%d, %d, force=%v) = %q, want %q", tc.partition, tc.k, tc.force, step.String(), tc.want)
		}
	}
	var typed *AlreadyAtBatchError
	_, err := r.ToBatch(intstr.FromInt32(1), 2, StepOptions{})
	if !errors.As(err, &typed) || typed.Batch != 2 {
		t.Errorf("errors.As AlreadyAtBatchError: %v", err)
	}
}

func TestToPartition(t *testing.T) {
	planned := resolve(t, "3,1,0", 5)
	cases := []struct {
		r        *Resolved
		from, to intstr.IntOrString
		force    bool
		want     string
		offPlan  bool
		wantErr  error
	}{
		{r: NoPlan(5), from: intstr.FromInt32(3), to: intstr.FromInt32(1), want: "partition 3 → 1"},
		{r: NoPlan(5), from: intstr.FromInt32(3), to: intstr.FromInt32(0), want: "partition 3 → 0"},
		{r: NoPlan(10), from: intstr.FromString("50%"), to: intstr.FromString("20%"), want: "partition 50% = 5 → 20% = 2"},
		{r: NoPlan(5), from: intstr.FromInt32(3), to: intstr.FromInt32(3), wantErr: ErrAlreadyAtBatch},
		{r: NoPlan(5), from: intstr.FromInt32(1), to: intstr.FromInt32(3), wantErr: ErrNotNextStep},
		{r: NoPlan(5), from: intstr.FromInt32(1), to: intstr.FromInt32(3), force: true, want: "partition 1 → 3"},
		{r: planned, from: intstr.FromInt32(3), to: intstr.FromInt32(1), want: "batch 1 → 2 of 3 (partition 3 → 1)"},
		{r: planned, from: intstr.FromInt32(3), to: intstr.FromInt32(2), want: "batch 1 → 1 of 3 (partition 3 → 2)", offPlan: true},
		{r: planned, from: intstr.FromInt32(3), to: intstr.FromInt32(0), wantErr: ErrNotNextStep},
	}
	for i, tc := range cases {
		step, err := tc.r.ToPartition(tc.from, tc.to, StepOptions{Force: tc.force})
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("case %d: error = %v, want %v", i, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if step.String() != tc.want {
			t.Errorf("case %d: step = %q, want %q", i, step.String(), tc.want)
		}
		if (step.To.OffPlan != nil) != tc.offPlan {
			t.Errorf("case %d: To.OffPlan = %v, want set=%v", i, step.To.OffPlan, tc.offPlan)
		}
	}
}

func TestForCloneSet(t *testing.T) {
	cs := &kruisev1alpha1.CloneSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Annotations: map[string]string{Annotation: "80%,50%,0"}},
		Spec: kruisev1alpha1.CloneSetSpec{
			Replicas:       ptr.To[int32](10),
			UpdateStrategy: kruisev1alpha1.CloneSetUpdateStrategy{Partition: ptr.To(intstr.FromString("50%"))},
		},
	}
	r, err := ForCloneSet(cs)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := r.Position(CurrentPartition(cs))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pos.String(), "batch 2 of 3 (partition 50% = 5)"; got != want {
		t.Errorf("position = %q, want %q", got, want)
	}

	cs.Annotations[Annotation] = "80%,80%,0"
	_, err = ForCloneSet(cs)
	want := `CloneSet shop/web: annotation ferry.dev/batches "80%,80%,0": entry 2 ("80%"): resolves to partition 8 with 10 replicas, which is not below batch 1's partition 8`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}

	// No annotation, no partition, no replicas: NoPlan with OpenKruise's defaults.
	bare := &kruisev1alpha1.CloneSet{}
	r, err = ForCloneSet(bare)
	if err != nil || r.HasPlan() || r.Replicas != 1 {
		t.Fatalf("bare CloneSet: got (%+v, %v), want NoPlan(1)", r, err)
	}
	pos, _ = r.Position(CurrentPartition(bare))
	if got, want := pos.String(), "partition 0"; got != want || !pos.Done() {
		t.Errorf("bare position = %q (done %v), want %q, done", got, pos.Done(), want)
	}
}
