package plan

import (
	"math"
	"strings"
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func errorFields(errs field.ErrorList) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return strings.Join(out, " ")
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(cs *appsv1alpha1.CloneSet)
		want  string // space-separated error fields, "" = valid
	}{
		{"valid", func(*appsv1alpha1.CloneSet) {}, ""},
		{"negative replicas", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](-1) }, "spec.replicas"},
		{"nil selector", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Selector = nil }, "spec.selector"},
		{"empty selector", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Selector = &metav1.LabelSelector{} }, "spec.selector"},
		{"invalid selector", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
		}, "spec.selector.matchExpressions[0].operator spec.selector"},
		{"selector does not match", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Labels = map[string]string{"app": "other"} }, "spec.template.metadata.labels"},
		{"restartPolicy", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }, "spec.template.spec.restartPolicy"},
		{"activeDeadlineSeconds", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) }, "spec.template.spec.activeDeadlineSeconds"},
		{"duplicate podsToDelete", func(cs *appsv1alpha1.CloneSet) { cs.Spec.ScaleStrategy.PodsToDelete = []string{"a", "b", "a"} }, "spec.scaleStrategy.podsToDelete[2]"},
		{"scale maxUnavailable", func(cs *appsv1alpha1.CloneSet) { cs.Spec.ScaleStrategy.MaxUnavailable = ptrStr("x") }, "spec.scaleStrategy.maxUnavailable"},
		{"update type", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Type = "OnDelete" }, "spec.updateStrategy.type"},
		{"partition 99 without %", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Partition = ptrStr("99") }, "spec.updateStrategy.partition"},
		{"partition decimal percent ok", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Partition = ptrStr("99.5%") }, ""},
		{"partition negative", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Partition = knob("-1") }, "spec.updateStrategy.partition"},
		{"partition above replicas ok", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Partition = knob("50") }, ""},
		{"maxSurge decimal", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.MaxSurge = ptrStr("10.5%") }, "spec.updateStrategy.maxSurge"},
		{"maxUnavailable no %", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.MaxUnavailable = ptrStr("20") }, "spec.updateStrategy.maxUnavailable"},
		{"maxSurge with InPlaceOnly", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
			cs.Spec.UpdateStrategy.MaxSurge = knob("1")
		}, "spec.updateStrategy.maxSurge"},
		{"both below 1", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.MaxSurge = knob("0")
			cs.Spec.UpdateStrategy.MaxUnavailable = knob("0")
		}, "spec.updateStrategy.maxUnavailable"},
		{"both below 1 fine with 0 replicas", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Replicas = ptr.To[int32](0)
			cs.Spec.UpdateStrategy.MaxUnavailable = knob("0")
		}, ""},
		{"1% rounds up to 1", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.MaxUnavailable = ptrStr("1%") }, ""},
		{"priority both kinds", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.PriorityStrategy = &appspub.UpdatePriorityStrategy{
				WeightPriority: []appspub.UpdatePriorityWeightTerm{{Weight: 10, MatchSelector: metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}}},
				OrderPriority:  []appspub.UpdatePriorityOrderTerm{{OrderedKey: "k"}},
			}
		}, "spec.updateStrategy.priorityStrategy"},
		{"priority weight and selector", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.PriorityStrategy = &appspub.UpdatePriorityStrategy{
				WeightPriority: []appspub.UpdatePriorityWeightTerm{{Weight: 101}},
			}
		}, "spec.updateStrategy.priorityStrategy.weightPriority[0].weight spec.updateStrategy.priorityStrategy.weightPriority[0].matchSelector"},
		{"priority empty orderedKey", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.PriorityStrategy = &appspub.UpdatePriorityStrategy{OrderPriority: []appspub.UpdatePriorityOrderTerm{{}}}
		}, "spec.updateStrategy.priorityStrategy.orderPriority[0].orderedKey"},
		{"scatter", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.ScatterStrategy = appsv1alpha1.UpdateScatterStrategy{{Key: "", Value: "a"}, {Key: "z", Value: "a"}, {Key: "z", Value: "a"}}
		}, "spec.updateStrategy.scatterStrategy[0].key spec.updateStrategy.scatterStrategy[2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := WithDefaults(testCloneSet(5, "", "", ""))
			tc.tweak(cs)
			if got := errorFields(Validate(cs)); got != tc.want {
				t.Errorf("error fields %q, want %q (%v)", got, tc.want, Validate(cs))
			}
		})
	}
}

func TestValidateProgressDeadlineSeconds(t *testing.T) {
	p := field.NewPath("spec", "progressDeadlineSeconds")
	for _, tc := range []struct {
		pds, minReady int32
		ok            bool
	}{
		{10, 5, true}, {5, 5, false}, {-1, 0, false}, {math.MaxInt32, math.MaxInt32, true}, {0, 0, false},
	} {
		errs := ValidateProgressDeadlineSeconds(ptr.To(tc.pds), tc.minReady, p)
		if (len(errs) == 0) != tc.ok {
			t.Errorf("pds %d minReady %d: %v, want ok=%v", tc.pds, tc.minReady, errs, tc.ok)
		}
		for _, e := range errs {
			if e.Field != "spec.progressDeadlineSeconds" {
				t.Errorf("field %s", e.Field)
			}
		}
	}
	if errs := ValidateProgressDeadlineSeconds(nil, 100, p); len(errs) != 0 {
		t.Errorf("nil: %v", errs)
	}
}

func TestValidateUpdate(t *testing.T) {
	inPlaceOnly := func() *appsv1alpha1.CloneSet {
		cs := WithDefaults(testCloneSet(5, "", "1", "0"))
		cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
		return cs
	}
	for _, tc := range []struct {
		name  string
		tweak func(cs *appsv1alpha1.CloneSet)
		want  string
	}{
		{"image change", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = "nginx:2" }, ""},
		{"label change", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Labels["tier"] = "web" }, ""},
		{"replicas and partition", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Replicas = ptr.To[int32](7)
			cs.Spec.UpdateStrategy.Partition = knob("2")
		}, ""},
		{"env change", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}}
		}, "spec.template.spec"},
		{"selector change", func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "demo", "x": "y"}}
			cs.Spec.Template.Labels["x"] = "y"
		}, "spec.selector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := inPlaceOnly()
			cur := old.DeepCopy()
			tc.tweak(cur)
			if got := errorFields(ValidateUpdate(old, cur)); got != tc.want {
				t.Errorf("error fields %q, want %q (%v)", got, tc.want, ValidateUpdate(old, cur))
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	cs := &appsv1alpha1.CloneSet{}
	cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType
	d := WithDefaults(cs)
	if cs.Spec.Replicas != nil {
		t.Error("WithDefaults changed its input")
	}
	s := d.Spec
	if *s.Replicas != 1 || *s.RevisionHistoryLimit != 10 || s.UpdateStrategy.InPlaceUpdateStrategy == nil ||
		s.UpdateStrategy.Partition.String() != "0" || s.UpdateStrategy.MaxUnavailable.String() != "20%" || s.UpdateStrategy.MaxSurge.String() != "0" {
		t.Errorf("defaults: %+v", s)
	}
	if got := WithDefaults(&appsv1alpha1.CloneSet{}).Spec.UpdateStrategy; got.Type != appsv1alpha1.RecreateCloneSetUpdateStrategyType || got.InPlaceUpdateStrategy != nil {
		t.Errorf("ReCreate defaults: %+v", got)
	}
}
