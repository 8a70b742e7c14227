package plan

import (
	"fmt"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClaimName is the PVC a pod gets from a volumeClaimTemplate:
// "<template>-<cloneset>-<instanceID>", e.g. "data-demo-4qj8k".
func ClaimName(template, cloneSet, instanceID string) string {
	return fmt.Sprintf("%s-%s-%s", template, cloneSet, instanceID)
}

// NewClaims builds the PVCs of the pod with the given instance id, one per
// volumeClaimTemplate, as Kruise does: the template with its ClaimName, the
// selector's matchLabels and the instance id as labels, owned by the
// CloneSet. A PVC outlives a pod deleted by someone else; the next pod
// created for the CloneSet takes over its instance id (and so its data).
func NewClaims(cs *appsv1alpha1.CloneSet, instanceID string) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for i := range cs.Spec.VolumeClaimTemplates {
		c := cs.Spec.VolumeClaimTemplates[i].DeepCopy()
		c.Name = ClaimName(c.Name, cs.Name, instanceID)
		c.Namespace = cs.Namespace
		c.ResourceVersion, c.UID, c.CreationTimestamp = "", "", metav1.Time{}
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if cs.Spec.Selector != nil {
			for k, v := range cs.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		c.Labels[appsv1alpha1.CloneSetInstanceID] = instanceID
		c.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(cs, appsv1alpha1.SchemeGroupVersion.WithKind("CloneSet"))}
		out = append(out, c)
	}
	return out
}

// ApplyDropGrace returns the pod without its in-place grace annotation
// (RefreshDropGrace: the pending spec belongs to a revision the pod no
// longer moves to).
func ApplyDropGrace(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	delete(out.Annotations, AnnotationInPlaceGrace)
	delete(out.Annotations, appspub.InPlaceUpdateGraceKeyOld)
	return out
}

// ApplyTemplateHash returns the pod with its pod-template-hash label set
// (RefreshBackfillTemplateHash).
func ApplyTemplateHash(pod *corev1.Pod, hash string) *corev1.Pod {
	out := pod.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.Labels[LabelTemplateHash] = hash
	return out
}
