package batch

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		value   string
		want    string // canonical form
		wantErr string
	}{
		{value: "80%,50%,0", want: "80%,50%,0"},
		{value: " 3 , 1 ,0 ", want: "3,1,0"},
		{value: "0", want: "0"},
		{value: "0%", want: "0%"},
		{value: "12.5%,0%", want: "12.5%,0%"},
		{value: "100%,8,0", want: "100%,8,0"}, // mixed: checked by Resolve
		{value: "", wantErr: `annotation ferry.dev/batches "": no batches listed`},
		{value: "  ", wantErr: `annotation ferry.dev/batches "  ": no batches listed`},
		{value: "80%,,0", wantErr: `annotation ferry.dev/batches "80%,,0": entry 2 (""): empty entry`},
		{value: "80%,50%", wantErr: `annotation ferry.dev/batches "80%,50%": entry 2 ("50%"): the last batch must be partition 0, so the rollout finishes`},
		{value: "5,-1,0", wantErr: `annotation ferry.dev/batches "5,-1,0": entry 2 ("-1"): "-1" is neither a non-negative integer nor a percent like "50%"`},
		{value: "5,abc,0", wantErr: `annotation ferry.dev/batches "5,abc,0": entry 2 ("abc"): "abc" is neither a non-negative integer nor a percent like "50%"`},
		{value: "120%,0", wantErr: `annotation ferry.dev/batches "120%,0": entry 1 ("120%"): "120%" is above 100%`},
		{value: "50 %,0", wantErr: `annotation ferry.dev/batches "50 %,0": entry 1 ("50 %"): "50 %" is neither an integer nor a percent like "50%"`},
		{value: "99999999999,0", wantErr: `annotation ferry.dev/batches "99999999999,0": entry 1 ("99999999999"): "99999999999" is neither a non-negative integer nor a percent like "50%"`},
	}
	for _, tc := range cases {
		p, err := Parse(tc.value)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Parse(%q) error = %v, want %s", tc.value, err, tc.wantErr)
			}
			var pe *PlanError
			if err != nil && !errors.As(err, &pe) {
				t.Errorf("Parse(%q) error %T is not a *PlanError", tc.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.value, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		value    string
		replicas int32
		want     []int32
		wantErr  string
	}{
		{value: "80%,50%,0", replicas: 10, want: []int32{8, 5, 0}},
		{value: "3,1,0", replicas: 5, want: []int32{3, 1, 0}},
		{value: "99%,0", replicas: 9, want: []int32{8, 0}},
		{value: "100%,50%,0", replicas: 10, want: []int32{10, 5, 0}},
		{value: "80%,8,0", replicas: 20, want: []int32{16, 8, 0}},
		{value: "0", replicas: 3, want: []int32{0}},
		{value: "80%,8,0", replicas: 10,
			wantErr: `annotation ferry.dev/batches "80%,8,0": entry 2 ("8"): resolves to partition 8 with 10 replicas, which is not below batch 1's partition 8`},
		{value: "8,5,0", replicas: 4,
			wantErr: `annotation ferry.dev/batches "8,5,0": entry 2 ("5"): resolves to partition 4 with 4 replicas, which is not below batch 1's partition 4`},
		{value: "1,3,0", replicas: 5,
			wantErr: `annotation ferry.dev/batches "1,3,0": entry 2 ("3"): resolves to partition 3 with 5 replicas, which is not below batch 1's partition 1`},
		// Rounding up makes close percents collide on small CloneSets.
		{value: "60%,50%,0", replicas: 3,
			wantErr: `annotation ferry.dev/batches "60%,50%,0": entry 2 ("50%"): resolves to partition 2 with 3 replicas, which is not below batch 1's partition 2`},
		{value: "50%,0", replicas: 0,
			wantErr: `annotation ferry.dev/batches "50%,0": entry 2 ("0"): resolves to partition 0 with 0 replicas, which is not below batch 1's partition 0`},
	}
	for _, tc := range cases {
		p, err := Parse(tc.value)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.value, err)
		}
		r, err := p.Resolve(tc.replicas)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Resolve(%q, %d) error = %v, want %s", tc.value, tc.replicas, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q, %d): %v", tc.value, tc.replicas, err)
			continue
		}
		if !reflect.DeepEqual(r.Partitions, tc.want) {
			t.Errorf("Resolve(%q, %d) = %v, want %v", tc.value, tc.replicas, r.Partitions, tc.want)
		}
	}
}

func TestFromAnnotations(t *testing.T) {
	p, err := FromAnnotations(map[string]string{"other": "x"})
	if p != nil || err != nil {
		t.Errorf("no annotation: got (%v, %v), want (nil, nil)", p, err)
	}
	p, err = FromAnnotations(map[string]string{Annotation: "2,0"})
	if err != nil || p.String() != "2,0" {
		t.Errorf("annotation 2,0: got (%v, %v)", p, err)
	}
	if _, err := FromAnnotations(map[string]string{Annotation: ""}); err == nil {
		t.Error("empty annotation: want an error, got none")
	}
}
