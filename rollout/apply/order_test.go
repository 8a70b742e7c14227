package apply

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func ref(group, kind, ns, name string) ObjectRef {
	return ObjectRef{Group: group, Kind: kind, Namespace: ns, Name: name}
}

// applyOrder is a set in the exact order Apply must write it.
var applyOrder = []ObjectRef{
	ref("apiextensions.k8s.io", "CustomResourceDefinition", "", "clonesets.apps.kruise.io"),
	ref("apiextensions.k8s.io", "CustomResourceDefinition", "", "sidecarsets.apps.kruise.io"),
	ref("", "Namespace", "", "team"),
	ref("", "ServiceAccount", "team", "app"),
	ref("rbac.authorization.k8s.io", "ClusterRole", "", "reader"),
	ref("rbac.authorization.k8s.io", "Role", "team", "reader"),
	ref("rbac.authorization.k8s.io", "RoleBinding", "team", "reader"),
	ref("", "ConfigMap", "default", "z"),
	ref("", "ConfigMap", "team", "a"),
	ref("", "ConfigMap", "team", "b"),
	ref("", "Secret", "team", "creds"),
	ref("", "Service", "team", "web"),
	ref("apps.kruise.io", "SidecarSet", "", "log-agent"),
	ref("apps", "Deployment", "team", "api"),
	ref("apps", "StatefulSet", "team", "db"),
	ref("apps.kruise.io", "CloneSet", "team", "web"),
	ref("serving.knative.dev", "Service", "team", "fn"),
	ref("test.ferry.dev", "Widget", "team", "w"),
	ref("admissionregistration.k8s.io", "MutatingWebhookConfiguration", "", "ferry-sidecar"),
	ref("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "", "ferry"),
}

func names(refs []ObjectRef) string {
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = r.String()
	}
	return strings.Join(s, "\n")
}

func TestSortRefsIsTheApplyOrderWhateverTheInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := append([]ObjectRef(nil), applyOrder...)
		rng.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		SortRefs(got)
		if names(got) != names(applyOrder) {
			t.Fatalf("order:\n%s\nwant:\n%s", names(got), names(applyOrder))
		}
	}
}

func TestSortRefsForPruneIsTheReverse(t *testing.T) {
	got := append([]ObjectRef(nil), applyOrder...)
	SortRefsForPrune(got)
	for i := range got {
		if got[i] != applyOrder[len(applyOrder)-1-i] {
			t.Fatalf("prune order:\n%s", names(got))
		}
	}
}

func TestStageOf(t *testing.T) {
	cases := map[ObjectRef]Stage{
		ref("apiextensions.k8s.io", "CustomResourceDefinition", "", ""):             StageDefinitions,
		ref("", "Namespace", "", ""):                                                StageNamespaces,
		ref("", "ConfigMap", "", ""):                                                StageConfig,
		ref("rbac.authorization.k8s.io", "ClusterRoleBinding", "", ""):              StageConfig,
		ref("apps.kruise.io", "CloneSet", "", ""):                                   StageWorkloads,
		ref("apps.kruise.io", "SidecarSet", "", ""):                                 StageWorkloads,
		ref("example.com", "Namespace", "", ""):                                     StageWorkloads,
		ref("admissionregistration.k8s.io", "MutatingWebhookConfiguration", "", ""): StageAdmission,
	}
	for r, want := range cases {
		if got := StageOf(r.GroupKind()); got != want {
			t.Errorf("StageOf(%s) = %s, want %s", r.GroupKind(), got, want)
		}
	}
}
