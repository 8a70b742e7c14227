package sidecar

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// NamespaceInfo is what the injector needs to know of the pod's namespace.
type NamespaceInfo struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// labelsForMatching returns the namespace labels a namespaceSelector is
// matched against. The API server labels every namespace with its name
// (kubernetes.io/metadata.name); it is added here when the caller did not
// know the labels, e.g. for a namespace that a render creates.
func (ns NamespaceInfo) labelsForMatching() labels.Set {
	set := make(labels.Set, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		set[k] = v
	}
	if _, ok := set[corev1LabelMetadataName]; !ok {
		set[corev1LabelMetadataName] = ns.name()
	}
	return set
}

// name is the namespace a pod without one is created in.
func (ns NamespaceInfo) name() string {
	if ns.Name == "" {
		return "default"
	}
	return ns.Name
}

const corev1LabelMetadataName = "kubernetes.io/metadata.name"

// matcher is a SidecarSet's parsed selectors.
type matcher struct {
	namespace string
	nsSel     labels.Selector // nil when the SidecarSet has no namespaceSelector
	podSel    labels.Selector // nil when the selector is missing or empty: matches nothing
}

func newMatcher(set *appsv1alpha1.SidecarSet) (matcher, error) {
	m := matcher{namespace: set.Spec.Namespace}
	if s := set.Spec.NamespaceSelector; s != nil {
		sel, err := metav1.LabelSelectorAsSelector(s)
		if err != nil {
			return m, fieldErr(set.Name, "spec.namespaceSelector", "%v", err)
		}
		m.nsSel = sel
	}
	if s := set.Spec.Selector; s != nil && len(s.MatchLabels)+len(s.MatchExpressions) > 0 {
		sel, err := metav1.LabelSelectorAsSelector(s)
		if err != nil {
			return m, fieldErr(set.Name, "spec.selector", "%v", err)
		}
		m.podSel = sel
	}
	return m, nil
}

// matches follows PodMatchedSidecarSet: the namespace (or namespaceSelector)
// first, then the pod selector. An empty selector matches no pod, unlike
// label selectors elsewhere in Kubernetes.
func (m matcher) matches(ns NamespaceInfo, podLabels map[string]string) bool {
	if m.namespace != "" && m.namespace != ns.name() {
		return false
	}
	if m.nsSel != nil && !m.nsSel.Matches(ns.labelsForMatching()) {
		return false
	}
	return m.podSel != nil && m.podSel.Matches(labels.Set(podLabels))
}
