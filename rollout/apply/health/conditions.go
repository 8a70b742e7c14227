package health

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// condition is the part of a kstatus condition health reads.
type condition struct {
	Type, Status, Reason, Message string
	ObservedGeneration            int64
	hasGeneration                 bool
}

// conditionsHealth reads kstatus-style conditions from a kind without its own
// rule. It only trusts them when they are tied to the current generation
// (status.observedGeneration, or the condition's own observedGeneration):
// otherwise a Ready=True written for an older spec would pass for healthy.
//
//	Stalled=True                 -> Failed
//	Reconciling=True             -> InProgress
//	Ready=True                   -> Current
//	Ready=False/Unknown          -> InProgress
//	none of these, or no generation to tie them to -> Unknown
func conditionsHealth(u *unstructured.Unstructured) Result {
	generation := u.GetGeneration()
	observed, hasObserved, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if hasObserved && observed < generation {
		return pending(generation, observed)
	}
	conds := readConditions(u)
	byType := map[string]condition{}
	for _, c := range conds {
		byType[c.Type] = c
	}
	kind := u.GroupVersionKind().GroupKind().String()
	for _, t := range []string{"Stalled", "Reconciling", "Ready"} {
		c, ok := byType[t]
		if !ok {
			continue
		}
		if !hasObserved && !c.hasGeneration {
			return unknown(ReasonNoHealthRule, "%s has a %s condition but no observedGeneration, so it may describe an older spec", kind, t)
		}
		if c.hasGeneration && c.ObservedGeneration < generation {
			return pending(generation, c.ObservedGeneration)
		}
		switch {
		case t == "Stalled" && c.Status == "True":
			return failed(ReasonStalled, "%s: %s", c.Reason, c.Message)
		case t == "Reconciling" && c.Status == "True":
			return inProgress(ReasonReconciling, "%s: %s", c.Reason, c.Message)
		case t == "Ready" && c.Status == "True":
			return current(ReasonReady, "%s", c.Message)
		case t == "Ready":
			return inProgress(ReasonNotReady, "%s: %s", c.Reason, c.Message)
		}
	}
	return unknown(ReasonNoHealthRule, "no health rule for %s and no Ready or Stalled condition", kind)
}

func readConditions(u *unstructured.Unstructured) []condition {
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	out := make([]condition, 0, len(raw))
	for _, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		c := condition{}
		c.Type, _, _ = unstructured.NestedString(m, "type")
		c.Status, _, _ = unstructured.NestedString(m, "status")
		c.Reason, _, _ = unstructured.NestedString(m, "reason")
		c.Message, _, _ = unstructured.NestedString(m, "message")
		c.ObservedGeneration, c.hasGeneration, _ = unstructured.NestedInt64(m, "observedGeneration")
		out = append(out, c)
	}
	return out
}
