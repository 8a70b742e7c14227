package diff

import (
	"fmt"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/render/diff/impact"
)

// Preview is everything `ferry diff` reports: the objects that change and
// the rollouts they trigger.
type Preview struct {
	// Base and Head name what was compared: "origin/main (1a2b3c4d5e6f)",
	// "working tree /src/app", "cluster".
	Base  string   `json:"base"`
	Head  string   `json:"head"`
	Paths []string `json:"paths"`
	// Summary counts the changes.
	Summary Summary `json:"summary"`
	// Objects are sorted by path, apiVersion, kind, namespace and name.
	Objects []ObjectChange `json:"objects"`
	// Rollouts are the CloneSets whose template, replicas, partition or
	// paused flag change, in the order of Objects (path, then namespace and
	// name within a path).
	Rollouts []*impact.Rollout `json:"rollouts"`
	// SidecarSets are the changed SidecarSets and the workloads they reach.
	SidecarSets []SidecarReach `json:"sidecarSets"`
	// Notes are remarks about the comparison as a whole.
	Notes []string `json:"notes"`
}

// Summary counts a preview's changes.
type Summary struct {
	Added    int `json:"added"`
	Changed  int `json:"changed"`
	Removed  int `json:"removed"`
	Rollouts int `json:"rollouts"`
}

// HasChanges reports whether any object differs: `ferry diff` exits 1.
func (p *Preview) HasChanges() bool { return len(p.Objects) > 0 }

// Renders are one kustomization path rendered at base and at head. A path
// missing on one side renders nothing there.
type Renders struct {
	Path       string
	Base, Head []*unstructured.Unstructured
}

// HistoryFunc answers, for CloneSets of one path whose template is the same
// at base and head while base's partition holds pods back, what git
// history says about the template those pods run. It may return nil for
// keys it did not search.
type HistoryFunc func(path string, clonesets map[ObjectKey]*unstructured.Unstructured) map[ObjectKey]*impact.History

// Compute builds the preview of several renders: it compares the objects,
// previews the rollout of each CloneSet that moves pods and follows each
// changed SidecarSet to the workloads it is injected into. history may be
// nil (no git history: the output then says what it assumed).
func Compute(renders []Renders, history HistoryFunc, opts CompareOptions) (*Preview, error) {
	p := &Preview{Objects: []ObjectChange{}, Rollouts: []*impact.Rollout{}, SidecarSets: []SidecarReach{}, Notes: []string{}}
	for _, r := range renders {
		p.Paths = append(p.Paths, r.Path)
		changes := Compare(r.Path, r.Base, r.Head, opts)
		p.Objects = append(p.Objects, changes...)
		rollouts, err := rolloutsOf(r.Path, changes, history)
		if err != nil {
			return nil, err
		}
		p.Rollouts = append(p.Rollouts, rollouts...)
		reach, err := sidecarReach(r, changes)
		if err != nil {
			return nil, err
		}
		p.SidecarSets = append(p.SidecarSets, reach...)
	}
	SortChanges(p.Objects)
	sort.SliceStable(p.Rollouts, func(i, j int) bool { return p.Rollouts[i].Path < p.Rollouts[j].Path })
	sort.SliceStable(p.SidecarSets, func(i, j int) bool { return p.SidecarSets[i].Path < p.SidecarSets[j].Path })
	for _, o := range p.Objects {
		switch o.Action {
		case Added:
			p.Summary.Added++
		case Changed:
			p.Summary.Changed++
		case Removed:
			p.Summary.Removed++
		}
	}
	p.Summary.Rollouts = len(p.Rollouts)
	return p, nil
}

// rolloutsOf previews the rollout of each changed CloneSet that moves pods.
func rolloutsOf(path string, changes []ObjectChange, history HistoryFunc) ([]*impact.Rollout, error) {
	var inputs []impact.Input
	need := map[ObjectKey]*unstructured.Unstructured{}
	for _, c := range changes {
		if c.Action != Changed || c.Key.Group != "apps.kruise.io" || c.Key.Kind != "CloneSet" {
			continue
		}
		base, err := impact.Decode(c.Base)
		if err != nil {
			return nil, fmt.Errorf("%s at base: %w", c.Key, err)
		}
		head, err := impact.Decode(c.Head)
		if err != nil {
			return nil, fmt.Errorf("%s at head: %w", c.Key, err)
		}
		if !impact.Needed(base, head) {
			continue
		}
		if impact.HoldsPodsAtOlderTemplate(base, head) {
			need[c.Key] = c.Base
		}
		inputs = append(inputs, impact.Input{Path: path, Base: c.Base, Head: c.Head})
	}
	var found map[ObjectKey]*impact.History
	if len(need) > 0 && history != nil {
		found = history(path, need)
	}
	out := make([]*impact.Rollout, 0, len(inputs))
	for _, in := range inputs {
		k := keyOf(path, in.Head)
		if _, ok := need[k]; ok && history != nil {
			in.History = found[k]
			if in.History == nil {
				in.History = &impact.History{}
			}
		}
		r, err := impact.Compute(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// templateAnnotations returns the annotations of an object's pod template,
// and whether the object has one.
func templateAnnotations(o *unstructured.Unstructured) (map[string]string, bool) {
	if o == nil {
		return nil, false
	}
	p, ok := render.PodTemplatePath(o.GroupVersionKind().GroupKind())
	if !ok {
		return nil, false
	}
	ann, _, _ := unstructured.NestedStringMap(o.Object, append(slices.Clone(p), "metadata", "annotations")...)
	return ann, true
}
