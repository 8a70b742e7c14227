package cluster

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestDelayPodStages(t *testing.T) {
	same, err := delayPodStages(podStages, 0)
	if err != nil || same != podStages {
		t.Fatalf("no delay changed the stages (err %v)", err)
	}
	out, err := delayPodStages(podStages, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	type stage struct {
		Metadata struct{ Name string }
		Spec     struct {
			Delay *struct {
				DurationMilliseconds int64
				DurationFrom         struct{ JQ struct{ Expression string } }
			} `json:"delay"`
			Next struct{ Patches []struct{ Template string } }
		}
	}
	got := map[string]stage{}
	for _, doc := range strings.Split(out, "\n---\n") {
		var s stage
		if err := yaml.Unmarshal([]byte(doc), &s); err != nil {
			t.Fatal(err)
		}
		got[s.Metadata.Name] = s
	}
	start := got["pod-start"]
	if start.Spec.Delay == nil || start.Spec.Delay.DurationMilliseconds != 1500 ||
		start.Spec.Delay.DurationFrom.JQ.Expression != `.metadata.annotations["kwok.ferry.dev/start-at"]` {
		t.Fatalf("pod-start delay = %+v, want 1500 ms from the start-at annotation", start.Spec.Delay)
	}
	stamp, ok := got["pod-start-stamp"]
	if !ok || len(stamp.Spec.Next.Patches) != 1 || !strings.Contains(stamp.Spec.Next.Patches[0].Template, `dateModify "+1500ms"`) {
		t.Fatalf("pod-start-stamp stage = %+v", stamp)
	}
	for name, s := range got {
		if name != "pod-start" && s.Spec.Delay != nil {
			t.Errorf("stage %s delayed too", name)
		}
	}
}
