package impact

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/ferry-gitops/ferry/rollout/cloneset/simulate"
)

// History is what git history says about the template base's partition
// holds pods at.
type History struct {
	// Previous is the CloneSet as of the last commit before base whose pod
	// template differs from base's; nil when none was found.
	Previous *appsv1alpha1.CloneSet
	// Revision names the commit Previous was rendered from.
	Revision string
	// Created is true when history reaches a commit without the CloneSet
	// before any template change: every pod was created at base's template.
	Created bool
	// Searched is how many commits were looked at.
	Searched int
}

// start is the simulation's starting point for head.
type start struct {
	scenario simulate.Scenario
	// from is the CloneSet whose template the pods not at head's template
	// run (simulate.Options.From); nil lets the simulator make one up.
	from *appsv1alpha1.CloneSet
	// previous is set when the old pods run Tprev (template unchanged).
	previous *appsv1alpha1.CloneSet
	notes    []string
}

// startState builds the starting pods for simulating head, following the
// table in the package documentation. basePartition is Pb resolved against
// Rb.
func startState(base *appsv1alpha1.CloneSet, basePartition int, sameTemplate bool, h *History) start {
	replicas := int(*base.Spec.Replicas)
	if !sameTemplate {
		st := start{scenario: simulate.DefaultScenario(replicas), from: base}
		if basePartition > 0 {
			st.notes = append(st.notes, fmt.Sprintf(
				"assumes base was fully rolled out: base holds partition %d, so %d pods may still run an older revision than base's; they update too, in place or not by their own template",
				basePartition, basePartition))
		}
		return st
	}
	held := basePartition
	if h != nil && h.Created && h.Previous == nil {
		held = 0 // the CloneSet was created at base's template
	}
	sc := simulate.Scenario{Pods: make([]simulate.ScenarioPod, replicas)}
	for i := held; i < replicas; i++ {
		sc.Pods[i].Revision = simulate.RevisionUpdate
	}
	if held == 0 {
		sc.CurrentRevision = simulate.RevisionUpdate
		return start{scenario: sc}
	}
	st := start{scenario: sc}
	switch {
	case h != nil && h.Previous != nil:
		st.from, st.previous = h.Previous, h.Previous
	case h != nil && h.Searched == 0:
		st.notes = append(st.notes, fmt.Sprintf(
			"no git history to find the template base's partition holds %d pods at (a URL, or a shallow clone); they are assumed to update in place if the strategy allows", held))
	case h != nil:
		st.notes = append(st.notes, fmt.Sprintf(
			"the template base's partition holds %d pods at was not found in the last %d commits; they are assumed to update in place if the strategy allows",
			held, h.Searched))
	default:
		st.notes = append(st.notes, fmt.Sprintf(
			"git history was not searched for the template base's partition holds %d pods at; they are assumed to update in place if the strategy allows", held))
	}
	return st
}
