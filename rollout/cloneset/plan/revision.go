package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
)

// LabelRevisionDataHash is the label Kubernetes' history package puts on a
// ControllerRevision: the hash part of its name.
const LabelRevisionDataHash = "controller.kubernetes.io/hash"

// ErrBadRevision is wrapped when a ControllerRevision's data cannot be read.
var ErrBadRevision = errors.New("unreadable controller revision")

// RevisionData is a revision's payload as Kruise stores it: a strategic merge
// patch that replaces the whole pod template,
//
//	{"spec":{"template":{"$patch":"replace","metadata":{...},"spec":{...}}}}
//
// with keys sorted. The template's metadata carries "creationTimestamp":null,
// as every Kruise release built on Kubernetes libraries before 1.34 writes it,
// so that ferry names revisions exactly as Kruise does.
func RevisionData(template *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := json.Marshal(template)
	if err != nil {
		return nil, fmt.Errorf("encode pod template: %w", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return nil, fmt.Errorf("decode pod template: %w", err)
	}
	meta, _ := tpl["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		tpl["metadata"] = meta
	}
	if _, ok := meta["creationTimestamp"]; !ok {
		meta["creationTimestamp"] = nil
	}
	tpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tpl}})
}

// RevisionHash is Kubernetes' controller-history hash: fnv32 of the data,
// then of the collision count in decimal when there is one, printed in
// decimal and re-spelled with rand.SafeEncodeString's alphabet.
func RevisionHash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// RevisionName is "<cloneset>-<hash>", the name prefix cut to 223 bytes so
// the name stays within 253.
func RevisionName(cloneSet, hash string) string {
	if len(cloneSet) > 223 {
		cloneSet = cloneSet[:223]
	}
	return cloneSet + "-" + hash
}

// NewRevision builds the ControllerRevision Kruise would create for the
// CloneSet's template: labels are the template labels plus the hash,
// annotations are the CloneSet's, the owner is the CloneSet.
func NewRevision(cs *appsv1alpha1.CloneSet, number int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	data, err := RevisionData(&cs.Spec.Template)
	if err != nil {
		return nil, fmt.Errorf("cloneset %s/%s: %w", cs.Namespace, cs.Name, err)
	}
	hash := RevisionHash(data, collisionCount)
	labels := map[string]string{LabelRevisionDataHash: hash}
	for k, v := range cs.Spec.Template.Labels {
		labels[k] = v
	}
	var annotations map[string]string
	if len(cs.Annotations) > 0 {
		annotations = make(map[string]string, len(cs.Annotations))
		for k, v := range cs.Annotations {
			annotations[k] = v
		}
	}
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            RevisionName(cs.Name, hash),
			Namespace:       cs.Namespace,
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cs, appsv1alpha1.SchemeGroupVersion.WithKind("CloneSet"))},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: number,
	}, nil
}

// RevisionTemplate reads the pod template back from a revision's data.
func RevisionTemplate(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var patch struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &patch); err != nil {
		return nil, fmt.Errorf("revision %s: %w: %w", rev.Name, ErrBadRevision, err)
	}
	return &patch.Spec.Template, nil
}

// RevisionChoice is what Kruise's getActiveRevisions decides, as a value.
type RevisionChoice struct {
	// Current and Update name the current and update revisions.
	Current, Update string
	// CollisionCount is the count status.collisionCount must hold.
	CollisionCount int32
	// Create is a revision to create for the template, or nil.
	Create *appsv1.ControllerRevision
	// Renumber, when set, is an existing revision equal to the template
	// (a rollback to an old template) whose .revision must be set to
	// RenumberTo so it becomes the newest again, keeping its name.
	Renumber   *appsv1.ControllerRevision
	RenumberTo int64
}

// ChooseRevisions decides the update revision for the CloneSet's template
// among the existing revisions (any order), and the current revision named
// by status.currentRevision (the update revision when it names none that
// exists). An existing revision with equal data is reused, renumbered if it
// is not the newest; a name already taken by different data bumps the
// collision count, as the create conflict does in Kruise.
func ChooseRevisions(cs *appsv1alpha1.CloneSet, existing []*appsv1.ControllerRevision) (RevisionChoice, error) {
	revs := sortedRevisions(existing)
	next := int64(1)
	if len(revs) > 0 {
		next = revs[len(revs)-1].Revision + 1
	}
	var collision int32
	if cs.Status.CollisionCount != nil {
		collision = *cs.Status.CollisionCount
	}
	choice := RevisionChoice{}
	for {
		cand, err := NewRevision(cs, next, &collision)
		if err != nil {
			return RevisionChoice{}, err
		}
		equal := lastEqualRevision(revs, cand)
		switch {
		case equal != nil && equal == revs[len(revs)-1]:
			choice.Update = equal.Name
		case equal != nil:
			choice.Update, choice.Renumber, choice.RenumberTo = equal.Name, equal, next
		default:
			if taken := revisionNamed(revs, cand.Name); taken != nil {
				collision++
				continue
			}
			choice.Update, choice.Create = cand.Name, cand
		}
		break
	}
	choice.CollisionCount = collision
	choice.Current = choice.Update
	if cur := revisionNamed(revs, cs.Status.CurrentRevision); cur != nil {
		choice.Current = cur.Name
	}
	return choice, nil
}

func sortedRevisions(in []*appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	revs := append([]*appsv1.ControllerRevision(nil), in...)
	sort.SliceStable(revs, func(i, j int) bool {
		if revs[i].Revision != revs[j].Revision {
			return revs[i].Revision < revs[j].Revision
		}
		return revs[i].Name < revs[j].Name
	})
	return revs
}

// lastEqualRevision is the newest revision whose data equals cand's (the
// history package's EqualRevision compares the raw bytes).
func lastEqualRevision(revs []*appsv1.ControllerRevision, cand *appsv1.ControllerRevision) *appsv1.ControllerRevision {
	for i := len(revs) - 1; i >= 0; i-- {
		if bytes.Equal(revs[i].Data.Raw, cand.Data.Raw) {
			return revs[i]
		}
	}
	return nil
}

func revisionNamed(revs []*appsv1.ControllerRevision, name string) *appsv1.ControllerRevision {
	for _, r := range revs {
		if name != "" && r.Name == name {
			return r
		}
	}
	return nil
}

// RevisionsToDelete is Kruise's truncateHistory: revisions that are neither
// current, nor update, nor the revision of any pod are history; all but the
// newest revisionHistoryLimit (default 10) of them are returned, oldest first.
func RevisionsToDelete(cs *appsv1alpha1.CloneSet, revisions []*appsv1.ControllerRevision, current, update string, pods []*corev1.Pod) []string {
	limit := 10
	if cs.Spec.RevisionHistoryLimit != nil {
		limit = int(*cs.Spec.RevisionHistoryLimit)
	}
	var history []string
	for _, r := range sortedRevisions(revisions) {
		if r.Name == current || r.Name == update || isLive(r.Name, pods) {
			continue
		}
		history = append(history, r.Name)
	}
	if len(history) <= limit {
		return nil
	}
	return history[:len(history)-limit]
}

func isLive(revision string, pods []*corev1.Pod) bool {
	for _, p := range pods {
		if IsAtRevision(p, revision) {
			return true
		}
	}
	return false
}
