package simulate

import (
	"errors"
	"fmt"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
)

// ErrNotSettled is returned when a rollout has not settled within MaxSteps.
var ErrNotSettled = errors.New("rollout did not settle")

// AnnotationSimulatedPrevious marks the template the simulator makes up for
// the current revision when no previous CloneSet is given.
const AnnotationSimulatedPrevious = "ferry.dev/simulated-revision"

// Options tune a simulation.
type Options struct {
	// Plan are the engine options (partition rollback, ...).
	Plan plan.Options
	// From is the CloneSet before the change; its template is the current
	// revision, and in-place eligibility is computed between the two
	// templates. When nil, the current revision is the CloneSet's template
	// with one made-up annotation, a change every strategy but ReCreate
	// rolls in place.
	From *appsv1alpha1.CloneSet
	// MaxSteps bounds the simulation.
	MaxSteps int
}

// DefaultOptions are ferry's engine defaults and at most 1000 steps.
func DefaultOptions() Options {
	return Options{Plan: plan.DefaultOptions(), MaxSteps: 1000}
}

// Step is one engine pass.
type Step struct {
	// Plan is the pass's diff as the scale phase computes it.
	Plan plan.Diff `json:"plan"`
	// Actions count what the pass does. A ReCreate update is counted here as
	// an update (the specified-delete mark); the pod's deletion shows up as a
	// delete in a later step.
	Actions Actions `json:"actions"`
	// Pods are counted right after the pass's actions, before any pod becomes
	// ready: new pods and pods updated in place are not ready yet.
	Pods PodCounts `json:"pods"`
	// Phase is the engine phase that acted (not part of the JSON output).
	Phase plan.Phase `json:"-"`
	// Available counts available pods at the same moment as Pods.
	Available int `json:"-"`
}

// Actions count a pass's pod operations.
type Actions struct {
	Create int `json:"create"`
	Delete int `json:"delete"`
	Update int `json:"update"`
}

// PodCounts are the pods after a pass: all of them, those at the update
// revision, and those ready (status.readyReplicas' rule).
type PodCounts struct {
	Total   int `json:"total"`
	Updated int `json:"updated"`
	Ready   int `json:"ready"`
}

// Summary is the rollout in a few numbers, for `ferry diff`.
type Summary struct {
	Replicas int `json:"replicas"`
	// PodsMoved is how many pods change revision: |updated at the end - updated at the start|.
	PodsMoved int `json:"podsMoved"`
	// PeakTotal is the most pods at any moment (surge included).
	PeakTotal int `json:"peakTotal"`
	// MinAvailable is the fewest available pods at any moment.
	MinAvailable int `json:"minAvailable"`
	// Steps is the number of passes that did something.
	Steps int `json:"steps"`
	// InPlace is true when pods move by in-place update rather than recreation.
	InPlace bool `json:"inPlace"`
	// FinalTotal and FinalUpdated describe the settled CloneSet.
	FinalTotal   int `json:"finalTotal"`
	FinalUpdated int `json:"finalUpdated"`
}

// Result is a simulated rollout.
type Result struct {
	Steps   []Step  `json:"steps"`
	Summary Summary `json:"-"`
	// Knobs are the CloneSet's resolved settings, for display.
	Knobs plan.Knobs `json:"-"`
}

// Run simulates the rollout of cs starting from the scenario's pods.
// Between passes every pod becomes ready and available, and the lifecycle
// and condition bookkeeping the engine's refresh phase makes on its own is
// carried out, so each recorded step (after step 0, which runs on the pods
// exactly as given) is a pass that creates, deletes or updates pods.
// Lifecycle hooks are taken as released: the simulation has no hook owners.
func Run(cs *appsv1alpha1.CloneSet, sc Scenario, opts Options) (*Result, error) {
	if err := sc.validate(); err != nil {
		return nil, err
	}
	cs = cs.DeepCopy()
	cs.Spec.Lifecycle = nil
	knobs, err := plan.ResolveKnobs(cs)
	if err != nil {
		return nil, fmt.Errorf("cloneset %s/%s: %w", cs.Namespace, cs.Name, err)
	}
	current, update, inPlace, err := revisions(cs, opts.From)
	if err != nil {
		return nil, err
	}
	w, err := newWorld(cs, current, update, sc, opts.Plan)
	if err != nil {
		return nil, err
	}
	if gs := graceSeconds(cs); gs > int32(w.tick/time.Second) {
		w.tick = time.Duration(gs+10) * time.Second
	}
	start := w.count()
	res := &Result{Knobs: knobs, Summary: Summary{Replicas: knobs.Replicas, PeakTotal: start.total, MinAvailable: start.available, InPlace: inPlace}}
	maxSteps := opts.MaxSteps
	if maxSteps <= 0 {
		maxSteps = DefaultOptions().MaxSteps
	}
	for n := 0; ; n++ {
		if n >= maxSteps {
			return res, fmt.Errorf("cloneset %s/%s after %d steps: %w", cs.Namespace, cs.Name, n, ErrNotSettled)
		}
		p, err := w.nextPass(n > 0)
		if err != nil {
			return res, fmt.Errorf("cloneset %s/%s step %d: %w", cs.Namespace, cs.Name, n, err)
		}
		if p.IsEmpty() && w.allAvailable() {
			break
		}
		if err := w.apply(p); err != nil {
			return res, fmt.Errorf("cloneset %s/%s step %d: %w", cs.Namespace, cs.Name, n, err)
		}
		c := w.count()
		res.Steps = append(res.Steps, Step{
			Plan:      p.ScaleDiff,
			Actions:   Actions{Create: len(p.Creates), Delete: len(p.Deletes), Update: len(p.Updates)},
			Pods:      PodCounts{Total: c.total, Updated: c.updated, Ready: c.ready},
			Phase:     p.Phase,
			Available: c.available,
		})
		res.Summary.PeakTotal = max(res.Summary.PeakTotal, c.total)
		res.Summary.MinAvailable = min(res.Summary.MinAvailable, c.available)
	}
	end := w.count()
	res.Summary.Steps = len(res.Steps)
	res.Summary.FinalTotal, res.Summary.FinalUpdated = end.total, end.updated
	res.Summary.PodsMoved = max(end.updated-start.updated, start.updated-end.updated)
	return res, nil
}

// nextPass runs one engine pass. After the first step, the pods settle
// first, and passes that only do refresh bookkeeping are carried out
// without being recorded.
func (w *world) nextPass(settleFirst bool) (plan.Plan, error) {
	if !settleFirst {
		return plan.Pass(w.input())
	}
	w.settle()
	for range 20 {
		p, err := plan.Pass(w.input())
		if err != nil {
			return plan.Plan{}, err
		}
		if p.Phase != plan.PhaseRefresh || len(p.Creates)+len(p.Deletes)+len(p.Updates) > 0 {
			return p, nil
		}
		if err := w.apply(p); err != nil {
			return plan.Plan{}, err
		}
	}
	return plan.Pass(w.input())
}

// revisions builds the update revision from cs and the current one from
// from (or a made-up previous template), and says whether a pod moves
// between them in place under cs's strategy.
func revisions(cs, from *appsv1alpha1.CloneSet) (current, update *appsv1.ControllerRevision, inPlace bool, err error) {
	var zero int32
	update, err = plan.NewRevision(cs, 2, &zero)
	if err != nil {
		return nil, nil, false, err
	}
	prev := cs.DeepCopy()
	if from != nil {
		prev.Spec.Template = *from.Spec.Template.DeepCopy()
	} else {
		if prev.Spec.Template.Annotations == nil {
			prev.Spec.Template.Annotations = map[string]string{}
		}
		prev.Spec.Template.Annotations[AnnotationSimulatedPrevious] = "previous"
	}
	current, err = plan.NewRevision(prev, 1, &zero)
	if err != nil {
		return nil, nil, false, err
	}
	if current.Name == update.Name {
		current = update
	}
	switch cs.Spec.UpdateStrategy.Type {
	case appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType:
		spec, _, err := plan.InPlaceUpdate(&prev.Spec.Template, &cs.Spec.Template, update.Name)
		if err != nil {
			return nil, nil, false, err
		}
		inPlace = spec != nil
	}
	return current, update, inPlace, nil
}

func graceSeconds(cs *appsv1alpha1.CloneSet) int32 {
	if s := cs.Spec.UpdateStrategy.InPlaceUpdateStrategy; s != nil {
		return s.GracePeriodSeconds
	}
	return 0
}
