package diff

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/render/diff/impact"
	"github.com/ferry-gitops/ferry/sidecar"
)

// SidecarReach is a SidecarSet that changes, and the workloads whose pod
// template the change reaches. ferry injects SidecarSets when it renders,
// so a sidecar change is a change of each selected workload's template and
// rolls out with that workload (a CloneSet by its batches, see Rollouts).
type SidecarReach struct {
	Path      string        `json:"path"`
	Name      string        `json:"name"`
	Action    Action        `json:"action"`
	Workloads []WorkloadRef `json:"workloads"`
}

// WorkloadRef is a workload a SidecarSet change reaches.
type WorkloadRef struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Namespace  string             `json:"namespace"`
	Name       string             `json:"name"`
	Change     impact.SidecarKind `json:"change"`
}

// String is "CloneSet shop/demo".
func (w WorkloadRef) String() string {
	return ObjectKey{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}.String()
}

// Sentence says where the change goes:
// "SidecarSet log-collector (changed) reaches CloneSet shop/demo (image), Deployment shop/api (image)".
func (s SidecarReach) Sentence() string {
	if len(s.Workloads) == 0 {
		return fmt.Sprintf("SidecarSet %s (%s) reaches no workload: no injected pod template changes", s.Name, s.Action)
	}
	ws := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		ws[i] = fmt.Sprintf("%s (%s)", w, w.Change)
	}
	return fmt.Sprintf("SidecarSet %s (%s) reaches %s", s.Name, s.Action, strings.Join(ws, ", "))
}

// sidecarReach follows each changed SidecarSet of one path to the workloads
// whose injection record for it differs between base and head: injected,
// no longer injected, or injected with another hash.
func sidecarReach(r Renders, changes []ObjectChange) ([]SidecarReach, error) {
	var out []SidecarReach
	for _, c := range changes {
		if c.Key.Group != "apps.kruise.io" || c.Key.Kind != "SidecarSet" {
			continue
		}
		reach := SidecarReach{Path: r.Path, Name: c.Name, Action: c.Action, Workloads: []WorkloadRef{}}
		ws, err := workloadsReached(r, c.Name)
		if err != nil {
			return nil, err
		}
		reach.Workloads = append(reach.Workloads, ws...)
		out = append(out, reach)
	}
	return out, nil
}

func workloadsReached(r Renders, set string) ([]WorkloadRef, error) {
	base := map[ObjectKey]*unstructured.Unstructured{}
	for _, o := range r.Base {
		base[keyOf(r.Path, o)] = o
	}
	var out []WorkloadRef
	seen := map[ObjectKey]bool{}
	visit := func(k ObjectKey, b, h *unstructured.Unstructured) error {
		seen[k] = true
		change, err := recordChange(b, h, set)
		if err != nil || change == "" {
			return err
		}
		shown := h
		if shown == nil {
			shown = b
		}
		out = append(out, WorkloadRef{APIVersion: shown.GetAPIVersion(), Kind: k.Kind, Namespace: k.Namespace, Name: k.Name, Change: change})
		return nil
	}
	for _, h := range r.Head {
		k := keyOf(r.Path, h)
		if err := visit(k, base[k], h); err != nil {
			return nil, err
		}
	}
	for _, b := range r.Base {
		if k := keyOf(r.Path, b); !seen[k] {
			if err := visit(k, b, nil); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out, nil
}

// recordChange compares one SidecarSet's entry in the injection records of
// a workload's template at base and head; "" means no change reaches it.
func recordChange(base, head *unstructured.Unstructured, set string) (impact.SidecarKind, error) {
	read := func(o *unstructured.Unstructured) (sidecar.Record, bool, error) {
		ann, ok := templateAnnotations(o)
		if !ok {
			return sidecar.Record{}, false, nil
		}
		rec, err := sidecar.ReadRecord(ann)
		if err != nil {
			return rec, false, fmt.Errorf("%s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
		return rec, true, nil
	}
	rb, okB, err := read(base)
	if err != nil {
		return "", err
	}
	rh, okH, err := read(head)
	if err != nil || !okB && !okH {
		return "", err
	}
	b, inBase := rb.Hash[set]
	h, inHead := rh.Hash[set]
	switch {
	case !inBase && !inHead:
		return "", nil
	case !inBase:
		return impact.SidecarAdded, nil
	case !inHead:
		return impact.SidecarRemoved, nil
	case b.Hash == h.Hash:
		return "", nil
	case rb.HashWithoutImage[set].Hash == rh.HashWithoutImage[set].Hash:
		return impact.SidecarImage, nil
	}
	return impact.SidecarChanged, nil
}
