package plan

import (
	"testing"
)

// Step-sequence tables in the manner of Kruise's cloneset_sync_utils_test.go:
// each row is the state a reconcile would see after the previous row's action
// (and after new pods became ready when the row says so).
func TestCalculateDiffSteps(t *testing.T) {
	type row struct {
		name     string
		replicas int32
		// partition, maxUnavailable, maxSurge as written in YAML
		partition, maxUnavailable, maxSurge string
		pods                                string
		current                             string // current revision; default testOld
		noRollback                          bool
		want                                Diff
	}
	rows := []row{
		{name: "empty cloneset", replicas: 0, partition: "0", maxUnavailable: "1", maxSurge: "0", want: Diff{}},
		{name: "scale 0->5", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0",
			want: Diff{ScaleUpNum: 5, ScaleUpLimit: 5}},
		{name: "scale 0->5 done", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "5n", current: testNew},

		// specified delete of one ready pod, maxUnavailable 1, no surge
		{name: "specified delete 1/3", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "1nd 4n", current: testNew,
			want: Diff{DeleteReadyLimit: 1}},
		{name: "specified delete 2/3 (deleted)", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "4n", current: testNew,
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1}},
		{name: "specified delete 3/3 (replaced)", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "5n", current: testNew},

		// two specified deletes, the second waits for the first replacement
		{name: "specified delete two 1/4", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "2nd 3n", current: testNew,
			want: Diff{DeleteReadyLimit: 1}},
		{name: "specified delete two 2/4 (replacement not ready)", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "1nd 3n 1nx", current: testNew},
		{name: "specified delete two 3/4 (replacement ready)", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "1nd 4n", current: testNew,
			want: Diff{DeleteReadyLimit: 1}},

		// specified delete plus scale in: not-ready marked pods do not use the budget
		{name: "specified delete two and replicas 4", replicas: 4, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "2ndx 3n", current: testNew,
			want: Diff{DeleteReadyLimit: 2}},

		// specified delete with surge: create first, then delete
		{name: "specified delete surge 1/3", replicas: 5, partition: "0", maxUnavailable: "0", maxSurge: "1", pods: "1nd 4n", current: testNew,
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1}},
		{name: "specified delete surge 2/3 (surge pod not ready)", replicas: 5, partition: "0", maxUnavailable: "0", maxSurge: "1", pods: "1nd 4n 1nx", current: testNew,
			want: Diff{UseSurge: 1}},
		{name: "specified delete surge 3/3 (surge pod ready)", replicas: 5, partition: "0", maxUnavailable: "0", maxSurge: "1", pods: "1nd 5n", current: testNew,
			want: Diff{UseSurge: 1, DeleteReadyLimit: 1}},

		// partition 3, no surge
		{name: "partition=3 1/3", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "0", pods: "5o",
			want: Diff{UpdateNum: 2, UpdateMaxUnavailable: 1}},
		{name: "partition=3 2/3", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "0", pods: "1n 4o",
			want: Diff{UpdateNum: 1, UpdateMaxUnavailable: 1}},
		{name: "partition=3 3/3", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "0", pods: "2n 3o"},

		// rollback by raising the partition to 4 with 4 new pods
		{name: "rollback partition=4 1/2", replicas: 5, partition: "4", maxUnavailable: "2", maxSurge: "0", pods: "4n 1o",
			want: Diff{UpdateNum: -3, UpdateMaxUnavailable: 2}},
		{name: "rollback partition=4 2/2", replicas: 5, partition: "4", maxUnavailable: "2", maxSurge: "0", pods: "1n 4o"},
		{name: "rollback off: raising partition does nothing", replicas: 5, partition: "4", maxUnavailable: "1", maxSurge: "0", pods: "1o 4n", noRollback: true},
		{name: "rollback never once current==update", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "0", pods: "5n", current: testNew},

		// Kruise's "update in-place partition=3 with maxSurge" (maxUnavailable 1)
		{name: "in-place surge 1/4", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "5o",
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1, UpdateNum: 2, UpdateMaxUnavailable: 1}},
		{name: "in-place surge 2/4", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "5o 1nx",
			want: Diff{UseSurge: 1, UpdateNum: 1, UpdateMaxUnavailable: 2}},
		{name: "in-place surge 3/4", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "4o 1nux 1nx",
			want: Diff{ScaleDownNum: 1, ScaleDownNumOldRevision: 1}},
		{name: "in-place surge 4/4", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "4o 1n 1nx",
			want: Diff{ScaleDownNum: 1, ScaleDownNumOldRevision: 1, DeleteReadyLimit: 1}},

		// Kruise's "update recreate partition=3 with maxSurge"
		{name: "recreate surge 3/7 (old pod marked)", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "4o 1od 1nx",
			want: Diff{UseSurge: 1, UseSurgeOldRevision: 1, DeleteReadyLimit: 1, UpdateNum: 1, UpdateMaxUnavailable: 2}},
		{name: "recreate surge 4/7 (marked pod deleted)", replicas: 5, partition: "3", maxUnavailable: "1", maxSurge: "1", pods: "4o 1nx",
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1, UpdateNum: 1, UpdateMaxUnavailable: 1}},

		// partition 99% of 5 = 4 with maxUnavailable 3, maxSurge 2
		{name: "partition 99% 1/3", replicas: 5, partition: "99%", maxUnavailable: "3", maxSurge: "2", pods: "5o",
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1, UpdateNum: 1, UpdateMaxUnavailable: 3}},
		{name: "partition 99% 2/3", replicas: 5, partition: "99%", maxUnavailable: "3", maxSurge: "2", pods: "5o 1nx",
			want: Diff{ScaleDownNum: 1, ScaleDownNumOldRevision: 1, DeleteReadyLimit: 3}},
		// 40% of 5 with surge rounds down to 2
		{name: "partition 99% maxUnavailable 40% floors", replicas: 5, partition: "99%", maxUnavailable: "40%", maxSurge: "30%", pods: "5o 1nx",
			want: Diff{ScaleDownNum: 1, ScaleDownNumOldRevision: 1, DeleteReadyLimit: 2}},

		// "allow to update when fail to scale": diffs for both phases at once
		{name: "missing pod and update", replicas: 5, partition: "1", maxUnavailable: "2", maxSurge: "0", pods: "2o 2n", current: testNew,
			want: Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UpdateNum: 1, UpdateMaxUnavailable: 1}},
		{name: "extra pod and update", replicas: 5, partition: "1", maxUnavailable: "1", maxSurge: "0", pods: "3o 3n", current: testNew,
			want: Diff{ScaleDownNum: 1, ScaleDownNumOldRevision: 2, DeleteReadyLimit: 2, UpdateNum: 1, UpdateMaxUnavailable: 2}},

		// PreparingDelete pods are unavailable, not active, and still counted in the total
		{name: "PreparingDelete counts in total", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "0", pods: "1nP 4n", current: testNew},
		// an old pod in PreparingDelete is not active, so nothing is left to update and no surge is used
		{name: "PreparingDelete old pod is not replaced before it goes", replicas: 5, partition: "0", maxUnavailable: "1", maxSurge: "1", pods: "1oP 4n"},

		// paused: surge forced to 0, so maxUnavailable 0 stays 0 and the update budget goes negative
		{name: "paused: no surge", replicas: 5, partition: "0", maxUnavailable: "0", maxSurge: "2", pods: "3o",
			want: Diff{ScaleUpNum: 2, ScaleUpNumOldRevision: 0, ScaleUpLimit: 2, UpdateNum: 3, UpdateMaxUnavailable: -2}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			cs := testCloneSet(r.replicas, r.partition, r.maxUnavailable, r.maxSurge)
			if r.name == "paused: no surge" {
				cs.Spec.UpdateStrategy.Paused = true
			}
			current := r.current
			if current == "" {
				current = testOld
			}
			opts := DefaultOptions()
			opts.PartitionRollback = !r.noRollback
			got, err := CalculateDiff(DiffInput{CloneSet: cs, Pods: testPods(t, r.pods), CurrentRevision: current,
				UpdateRevision: testNew, Phase: DiffForUpdate, Now: testNow, Options: opts})
			if err != nil {
				t.Fatal(err)
			}
			if got != r.want {
				t.Errorf("diff\n got  %+v\n want %+v", got, r.want)
			}
		})
	}
}

// A pod in PreparingUpdate counts as updated while scaling, so no surge pod
// is created for it, but as old while updating, so it is still updated.
func TestCalculateDiffPreparingUpdate(t *testing.T) {
	cs := testCloneSet(5, "3", "0", "1")
	pods := testPods(t, "1oU 4o")
	in := DiffInput{CloneSet: cs, Pods: pods, CurrentRevision: testOld, UpdateRevision: testNew, Now: testNow, Options: DefaultOptions()}
	in.Phase = DiffForScale
	scale, err := CalculateDiff(in)
	if err != nil {
		t.Fatal(err)
	}
	// scale: 4 old active (oldDiff 1), 1 "new" (newDiff -1): surge 1, PreparingUpdate is unavailable
	wantScale := Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1, UpdateNum: 1, UpdateMaxUnavailable: 0}
	if scale != wantScale {
		t.Errorf("scale diff\n got  %+v\n want %+v", scale, wantScale)
	}
	in.Phase = DiffForUpdate
	update, err := CalculateDiff(in)
	if err != nil {
		t.Fatal(err)
	}
	wantUpdate := Diff{ScaleUpNum: 1, ScaleUpLimit: 1, UseSurge: 1, UpdateNum: 2, UpdateMaxUnavailable: 0}
	if update != wantUpdate {
		t.Errorf("update diff\n got  %+v\n want %+v", update, wantUpdate)
	}
}

func TestCalculateDiffScaleMaxUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		pods string
		want Diff
	}{
		{"0->5 limited to 2", "", Diff{ScaleUpNum: 5, ScaleUpLimit: 2}},
		{"3->5, one not ready", "2n 1nx", Diff{ScaleUpNum: 2, ScaleUpLimit: 1}},
		{"3->5, two not ready", "1n 2nx", Diff{ScaleUpNum: 2, ScaleUpLimit: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := testCloneSet(5, "0", "1", "0")
			cs.Spec.ScaleStrategy.MaxUnavailable = knob("2")
			got, err := CalculateDiff(DiffInput{CloneSet: cs, Pods: testPods(t, tc.pods), CurrentRevision: testNew,
				UpdateRevision: testNew, Phase: DiffForScale, Now: testNow, Options: DefaultOptions()})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
