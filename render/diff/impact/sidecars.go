package impact

import (
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/ferry-gitops/ferry/sidecar"
)

// SidecarKind is what happens to one injected SidecarSet in a template.
type SidecarKind string

const (
	SidecarUnchanged SidecarKind = "unchanged"
	SidecarAdded     SidecarKind = "added"   // injected at head only
	SidecarRemoved   SidecarKind = "removed" // injected at base only
	SidecarImage     SidecarKind = "image"   // only its images changed
	SidecarChanged   SidecarKind = "changed" // more than images changed
)

// SidecarChange is one SidecarSet injected into a template at base or head.
type SidecarChange struct {
	Name   string        `json:"name"`
	Change SidecarKind   `json:"change"`
	Images []ImageChange `json:"images,omitempty"`
}

// sidecarChanges compares the injection records ferry's render-time
// injector leaves on the two templates: the per-SidecarSet hash says
// whether the sidecar changed at all, the image-less hash whether only its
// images did.
func sidecarChanges(base, head *corev1.PodTemplateSpec) ([]SidecarChange, error) {
	rb, err := sidecar.ReadRecord(base.Annotations)
	if err != nil {
		return nil, fmt.Errorf("base template: %w", err)
	}
	rh, err := sidecar.ReadRecord(head.Annotations)
	if err != nil {
		return nil, fmt.Errorf("head template: %w", err)
	}
	var names []string
	for n := range rb.Hash {
		names = append(names, n)
	}
	for n := range rh.Hash {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []SidecarChange{}
	for _, n := range slices.Compact(names) {
		b, inBase := rb.Hash[n]
		h, inHead := rh.Hash[n]
		c := SidecarChange{Name: n}
		switch {
		case !inBase:
			c.Change = SidecarAdded
		case !inHead:
			c.Change = SidecarRemoved
		case b.Hash == h.Hash:
			c.Change = SidecarUnchanged
		case rb.HashWithoutImage[n].Hash == rh.HashWithoutImage[n].Hash:
			c.Change = SidecarImage
			for _, ic := range imageChanges(base, head) {
				if ic.Sidecar == n {
					c.Images = append(c.Images, ic)
				}
			}
		default:
			c.Change = SidecarChanged
		}
		out = append(out, c)
	}
	return out, nil
}
