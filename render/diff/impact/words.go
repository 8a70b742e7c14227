package impact

import (
	"fmt"
	"strings"
)

// Headline says what the commit changes for the rollout, in one line:
//
//	CloneSet prod/demo: image app:1.0 → app:1.1, partition 3 → 0 (batch 1 → 3 of 3)
func (r *Rollout) Headline() string {
	var parts []string
	if r.Revision.From != r.Revision.To {
		var app []ImageChange
		for _, ic := range r.Images {
			if ic.Sidecar == "" {
				app = append(app, ic)
			}
		}
		for _, ic := range app {
			name := ""
			if len(app) > 1 {
				name = ic.Container + " "
			}
			parts = append(parts, fmt.Sprintf("image %s%s → %s", name, ic.From, ic.To))
		}
		if r.beyondImages {
			parts = append(parts, "pod template changed")
		}
		parts = append(parts, r.sidecarParts()...)
	}
	if r.Replicas.From != r.Replicas.To {
		parts = append(parts, fmt.Sprintf("replicas %d → %d", r.Replicas.From, r.Replicas.To))
	}
	if r.PartitionText.From != r.PartitionText.To || r.Batch != nil && r.Batch.From != r.Batch.To {
		parts = append(parts, r.BatchText)
	}
	if r.pausedChanged {
		parts = append(parts, fmt.Sprintf("paused %v → %v", !r.Paused, r.Paused))
	}
	if len(parts) == 0 {
		parts = append(parts, "no change that moves pods")
	}
	return fmt.Sprintf("CloneSet %s: %s", r.ID(), strings.Join(parts, ", "))
}

// sidecarParts name the sidecar changes in the headline: "sidecar
// log-collector image a:2.2 → a:2.3".
func (r *Rollout) sidecarParts() []string {
	var out []string
	for _, s := range r.Sidecars {
		switch s.Change {
		case SidecarImage:
			for _, ic := range s.Images {
				out = append(out, fmt.Sprintf("sidecar %s image %s → %s", s.Name, ic.From, ic.To))
			}
		case SidecarChanged, SidecarAdded, SidecarRemoved:
			out = append(out, fmt.Sprintf("sidecar %s %s", s.Name, s.Change))
		}
	}
	return out
}

// Sentence says what the engine will do, in plain words:
//
//	3 pods will update in place (image-only change); at most 6 pods at once
//	(maxSurge 1); at least 5 available (maxUnavailable 0); 5 steps. Sidecar
//	log-collector unchanged.
func (r *Rollout) Sentence() string {
	if r.Error != "" {
		return "The engine cannot roll this out: " + r.Error + "."
	}
	var b strings.Builder
	if r.Replicas.From != r.Replicas.To {
		b.WriteString(r.scaling())
	} else {
		b.WriteString(r.movement())
	}
	fmt.Fprintf(&b, "; at most %s at once (maxSurge %d); at least %d available (maxUnavailable %d); %s.",
		plural(r.PeakTotal, "pod"), r.MaxSurge, r.MinAvailable, r.MaxUnavailable, plural(r.Steps, "step"))
	if s := r.sidecarWords(); s != "" {
		b.WriteString(" " + s)
	}
	out := b.String()
	return strings.ToUpper(out[:1]) + out[1:]
}

func (r *Rollout) movement() string {
	how := r.how()
	switch {
	case r.PodsToUpdate == 0 && r.Partition.To >= r.Replicas.To && r.Replicas.To > 0:
		return fmt.Sprintf("no pod moves: partition %d holds all %s", r.Partition.To, plural(r.Replicas.To, "pod"))
	case r.PodsToUpdate == 0:
		return "no pod changes revision"
	case r.Back:
		return fmt.Sprintf("%s %s, back to the older revision", plural(r.PodsToUpdate, "pod"), how)
	case r.Revision.From == r.Revision.To:
		return fmt.Sprintf("%d more %s %s, to revision %s%s", r.PodsToUpdate, strings.TrimPrefix(plural(r.PodsToUpdate, "pod"), fmt.Sprint(r.PodsToUpdate)+" "),
			how, r.Revision.To, r.imageWords())
	}
	return fmt.Sprintf("%s %s", plural(r.PodsToUpdate, "pod"), how)
}

// how is "will update in place (image-only change)" or "will be recreated (...)".
func (r *Rollout) how() string {
	how := "will be recreated"
	if r.InPlace {
		how = "will update in place"
	}
	if r.Reason != "" {
		how += " (" + r.Reason + ")"
	}
	return how
}

// scaling says a change of replicas by the pods at head's revision before
// and after, since new pods are created rather than moved:
// "scales from 5 to 8 pods; pods at revision demo-x: 5 → 8".
func (r *Rollout) scaling() string {
	s := fmt.Sprintf("scales from %d to %d pods; pods at revision %s: %d → %d",
		r.Replicas.From, r.Replicas.To, r.Revision.To, r.UpdatedPods.From, r.UpdatedPods.To)
	for _, st := range r.Trajectory {
		if st.Update > 0 {
			return s + ", existing pods " + r.how()
		}
	}
	return s
}

// imageWords is " (image app:1.0 → app:1.1)" for the images the moving
// pods change, when known.
func (r *Rollout) imageWords() string {
	var imgs []string
	for _, ic := range r.Images {
		imgs = append(imgs, fmt.Sprintf("%s → %s", ic.From, ic.To))
	}
	if len(imgs) == 0 {
		return ""
	}
	return " (image " + strings.Join(imgs, ", ") + ")"
}

// sidecarWords is "Sidecar log-collector unchanged." and the like.
func (r *Rollout) sidecarWords() string {
	var out []string
	for _, s := range r.Sidecars {
		switch s.Change {
		case SidecarUnchanged:
			out = append(out, fmt.Sprintf("Sidecar %s unchanged.", s.Name))
		case SidecarAdded:
			out = append(out, fmt.Sprintf("Sidecar %s newly injected.", s.Name))
		case SidecarRemoved:
			out = append(out, fmt.Sprintf("Sidecar %s no longer injected.", s.Name))
		case SidecarImage:
			var imgs []string
			for _, ic := range s.Images {
				imgs = append(imgs, fmt.Sprintf("%s → %s", ic.From, ic.To))
			}
			out = append(out, fmt.Sprintf("Sidecar %s: image %s.", s.Name, strings.Join(imgs, ", ")))
		case SidecarChanged:
			out = append(out, fmt.Sprintf("Sidecar %s changed.", s.Name))
		}
	}
	return strings.Join(out, " ")
}

// plural is "1 pod", "2 pods".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
