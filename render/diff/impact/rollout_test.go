package impact

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// seed is the seed CloneSet of the design: 5 replicas, maxSurge 20%,
// maxUnavailable 0, in place if possible, batches 3,1,0.
func seed(image, partition string, replicas int, strategy string) *unstructured.Unstructured {
	doc := fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
  namespace: prod
  annotations: {ferry.dev/batches: "3,1,0"}
spec:
  replicas: %d
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers:
      - name: app
        image: %s
  updateStrategy:
    type: %s
    maxSurge: 20%%
    maxUnavailable: 0
    partition: %s
`, replicas, image, strategy, partition)
	o := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
		panic(err)
	}
	return o
}

const inPlaceIfPossible = "InPlaceIfPossible"

func withEnv(o *unstructured.Unstructured) *unstructured.Unstructured {
	o = o.DeepCopy()
	cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	cs[0].(map[string]any)["env"] = []any{map[string]any{"name": "LOG", "value": "debug"}}
	_ = unstructured.SetNestedSlice(o.Object, cs, "spec", "template", "spec", "containers")
	return o
}

func TestCompute(t *testing.T) {
	v10 := func(p string) *unstructured.Unstructured { return seed("app:1.0", p, 5, inPlaceIfPossible) }
	v11 := func(p string) *unstructured.Unstructured { return seed("app:1.1", p, 5, inPlaceIfPossible) }
	prev := mustDecode(t, v10("0"))
	for _, tc := range []struct {
		name       string
		in         Input
		headline   string
		sentence   string
		batch      BatchChange
		inPlace    bool
		moved      int
		peak, min  int
		steps      int
		notePrefix string
	}{
		{
			name:     "release: image and first batch",
			in:       Input{Base: v10("0"), Head: v11("3")},
			headline: "CloneSet prod/demo: image app:1.0 → app:1.1, batch 3 → 1 of 3 (partition 0 → 3)",
			sentence: "2 pods will update in place (image-only change); at most 6 pods at once (maxSurge 1); at least 5 available (maxUnavailable 0); 3 steps.",
			batch:    BatchChange{3, 1, 3}, inPlace: true, moved: 2, peak: 6, min: 5, steps: 3,
		},
		{
			name:     "advance a batch, previous template from history",
			in:       Input{Base: v11("3"), Head: v11("1"), History: &History{Previous: prev, Searched: 1}},
			headline: "CloneSet prod/demo: batch 1 → 2 of 3 (partition 3 → 1)",
			sentence: "2 more pods will update in place (image-only change), to revision demo-",
			batch:    BatchChange{1, 2, 3}, inPlace: true, moved: 2, peak: 6, min: 5, steps: 3,
		},
		{
			name:     "last batch",
			in:       Input{Base: v11("1"), Head: v11("0"), History: &History{Previous: prev, Searched: 2}},
			headline: "CloneSet prod/demo: batch 2 → 3 of 3 (partition 1 → 0)",
			batch:    BatchChange{2, 3, 3}, inPlace: true, moved: 1, peak: 6, min: 5, steps: 2,
		},
		{
			name:  "advance without history",
			in:    Input{Base: v11("3"), Head: v11("1")},
			batch: BatchChange{1, 2, 3}, inPlace: true, moved: 2, peak: 6, min: 5, steps: 3,
			notePrefix: "git history was not searched",
		},
		{
			name:  "created at base's template: no pod is held back",
			in:    Input{Base: v11("3"), Head: v11("1"), History: &History{Created: true, Searched: 1}},
			batch: BatchChange{1, 2, 3}, inPlace: true, moved: 0, peak: 5, min: 5, steps: 0,
		},
		{
			name:  "release while base still holds pods",
			in:    Input{Base: v10("1"), Head: v11("3")},
			batch: BatchChange{2, 1, 3}, inPlace: true, moved: 2, peak: 6, min: 5, steps: 3,
			notePrefix: "assumes base was fully rolled out",
		},
		{
			name:     "env change recreates",
			in:       Input{Base: v10("0"), Head: withEnv(v10("3"))},
			sentence: "2 pods will be recreated (pod spec changed beyond container images)",
			batch:    BatchChange{3, 1, 3}, moved: 2, peak: 6, min: 5, steps: 5,
		},
		{
			name:     "scale up only",
			in:       Input{Base: v11("0"), Head: seed("app:1.1", "0", 8, inPlaceIfPossible)},
			headline: "CloneSet prod/demo: replicas 5 → 8",
			sentence: "Scales from 5 to 8 pods; pods at revision demo-",
			batch:    BatchChange{3, 3, 3}, inPlace: true, moved: 3, peak: 8, min: 5, steps: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Error != "" {
				t.Fatalf("rollout error: %s", r.Error)
			}
			if tc.headline != "" && r.Headline() != tc.headline {
				t.Errorf("headline %q, want %q", r.Headline(), tc.headline)
			}
			if tc.sentence != "" && !strings.HasPrefix(r.Sentence(), tc.sentence) {
				t.Errorf("sentence %q, want it to start with %q", r.Sentence(), tc.sentence)
			}
			if r.Batch == nil || *r.Batch != tc.batch {
				t.Errorf("batch %+v, want %+v", r.Batch, tc.batch)
			}
			got := fmt.Sprintf("inPlace=%v moved=%d peak=%d min=%d steps=%d", r.InPlace, r.PodsToUpdate, r.PeakTotal, r.MinAvailable, r.Steps)
			want := fmt.Sprintf("inPlace=%v moved=%d peak=%d min=%d steps=%d", tc.inPlace, tc.moved, tc.peak, tc.min, tc.steps)
			if got != want {
				t.Errorf("%s, want %s", got, want)
			}
			if len(r.Trajectory) != r.Steps {
				t.Errorf("%d trajectory steps, summary says %d", len(r.Trajectory), r.Steps)
			}
			hasNote := len(r.Notes) > 0 && strings.HasPrefix(r.Notes[0], tc.notePrefix)
			if tc.notePrefix != "" && !hasNote || tc.notePrefix == "" && len(r.Notes) > 0 {
				t.Errorf("notes %q, want one starting %q", r.Notes, tc.notePrefix)
			}
		})
	}
}

func mustDecode(t *testing.T, o *unstructured.Unstructured) *appsv1alpha1.CloneSet {
	t.Helper()
	cs, err := Decode(o)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestComputeEdgeCases(t *testing.T) {
	v10 := func(p string) *unstructured.Unstructured { return seed("app:1.0", p, 5, inPlaceIfPossible) }
	v11 := func(p string) *unstructured.Unstructured { return seed("app:1.1", p, 5, inPlaceIfPossible) }
	prev := mustDecode(t, v10("0"))

	// InPlaceOnly cannot recreate: the engine refuses, the preview says so.
	only := withEnv(seed("app:1.0", "0", 5, "InPlaceOnly"))
	r, err := Compute(Input{Base: seed("app:1.0", "0", 5, "InPlaceOnly"), Head: only})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error == "" || !strings.HasPrefix(r.Sentence(), "The engine cannot roll this out: ") {
		t.Errorf("InPlaceOnly env change: error %q, sentence %q", r.Error, r.Sentence())
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "the API server will reject this change") {
		t.Errorf("notes %q lack the update validation", r.Notes)
	}

	// A raised partition moves pods back to the older revision.
	r, err = Compute(Input{Base: v11("1"), Head: v11("3"), History: &History{Previous: prev, Searched: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Back || r.PodsToUpdate != 2 || !strings.HasPrefix(r.Sentence(), "2 pods will update in place (image-only change), back to the older revision") {
		t.Errorf("back %v, moved %d, sentence %q", r.Back, r.PodsToUpdate, r.Sentence())
	}

	// A template change beyond images is named in the headline.
	r, err = Compute(Input{Base: v10("0"), Head: withEnv(v11("0"))})
	if err != nil {
		t.Fatal(err)
	}
	if want := "CloneSet prod/demo: image app:1.0 → app:1.1, pod template changed"; r.Headline() != want {
		t.Errorf("headline %q, want %q", r.Headline(), want)
	}
	if r.InPlace || r.Reason != "pod spec changed beyond container images" {
		t.Errorf("in place %v (%s)", r.InPlace, r.Reason)
	}

	// Partition 100% holds every pod: nothing moves yet.
	r, err = Compute(Input{Base: v10("0"), Head: v11("100%")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Sentence(), "No pod moves: partition 5 holds all 5 pods") || r.Batch == nil || r.Batch.To != 0 {
		t.Errorf("sentence %q, batch %+v", r.Sentence(), r.Batch)
	}
	if !strings.Contains(r.Headline(), "batch 3 → 0 of 3 (partition 0 → 100% = 5)") {
		t.Errorf("headline %q", r.Headline())
	}

	// A partition between batches is named off plan.
	r, err = Compute(Input{Base: v10("0"), Head: v11("2")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "head: partition 2 is not a batch") {
		t.Errorf("notes %q lack the off-plan warning", r.Notes)
	}
}

// Sidecar changes come from the injection record on the template.
func TestSidecarChanges(t *testing.T) {
	tpl := func(hashes map[string][2]string) *corev1.PodTemplateSpec {
		h, wo := map[string]any{}, map[string]any{}
		for name, v := range hashes {
			h[name] = map[string]any{"hash": v[0], "sidecarSetName": name, "sidecarList": []string{name}}
			wo[name] = map[string]any{"hash": v[1], "sidecarSetName": name, "sidecarList": []string{name}}
		}
		hj, _ := json.Marshal(h)
		wj, _ := json.Marshal(wo)
		return &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			"kruise.io/sidecarset-hash": string(hj), "kruise.io/sidecarset-hash-without-image": string(wj)}}}
	}
	base := tpl(map[string][2]string{"same": {"a", "x"}, "img": {"b", "y"}, "more": {"c", "z"}, "gone": {"d", "w"}})
	head := tpl(map[string][2]string{"same": {"a", "x"}, "img": {"B", "y"}, "more": {"C", "Z"}, "new": {"e", "v"}})
	got, err := sidecarChanges(base, head)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range got {
		fmt.Fprintf(&b, "%s=%s ", c.Name, c.Change)
	}
	if want := "gone=removed img=image more=changed new=added same=unchanged "; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestComputePaused(t *testing.T) {
	base := seed("app:1.0", "0", 5, inPlaceIfPossible)
	head := seed("app:1.1", "0", 5, inPlaceIfPossible)
	_ = unstructured.SetNestedField(head.Object, true, "spec", "updateStrategy", "paused")
	r, err := Compute(Input{Base: base, Head: head})
	if err != nil {
		t.Fatal(err)
	}
	if want := "CloneSet prod/demo: image app:1.0 → app:1.1, paused false → true"; r.Headline() != want {
		t.Errorf("headline %q, want %q", r.Headline(), want)
	}
	if r.PodsToUpdate != 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "paused: no pod updates") {
		t.Errorf("paused rollout moved %d pods; notes %q", r.PodsToUpdate, r.Notes)
	}
}
