package apply

import (
	"sort"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Stage is a step of the apply order. Objects of an earlier stage are
// written before any object of a later one; prune walks the stages
// backwards.
type Stage int

const (
	// StageDefinitions holds CustomResourceDefinitions: their kinds must be
	// served (Established) before objects of those kinds can be dry-run or
	// applied.
	StageDefinitions Stage = iota
	// StageNamespaces holds Namespaces, which must exist before anything is
	// created in them.
	StageNamespaces
	// StageConfig holds what workloads refer to: quotas, ServiceAccounts,
	// RBAC, ConfigMaps, Secrets, volumes, policies.
	StageConfig
	// StageWorkloads holds everything else: Services, SidecarSets (before the
	// workloads whose pods they inject), Deployments, CloneSets, custom
	// resources of unknown kinds.
	StageWorkloads
	// StageAdmission holds admission webhooks and policies. They come last
	// because a webhook whose backend is in this very set would otherwise
	// reject the objects that bring the backend up.
	StageAdmission
)

func (s Stage) String() string {
	switch s {
	case StageDefinitions:
		return "definitions"
	case StageNamespaces:
		return "namespaces"
	case StageConfig:
		return "config"
	case StageWorkloads:
		return "workloads"
	case StageAdmission:
		return "admission"
	}
	return "unknown"
}

type rank struct {
	stage Stage
	// pos orders kinds inside a stage; kinds not listed get unlisted and
	// sort by group then kind.
	pos int
}

const unlisted = 1 << 20

func gk(group, kind string) schema.GroupKind { return schema.GroupKind{Group: group, Kind: kind} }

// kindRanks lists the kinds whose place is known. Keys carry the group so
// that, say, a Knative Service does not sort as a core Service.
var kindRanks = buildRanks(map[Stage][]schema.GroupKind{
	StageDefinitions: {gk("apiextensions.k8s.io", "CustomResourceDefinition")},
	StageNamespaces:  {gk("", "Namespace")},
	StageConfig: {
		gk("", "ResourceQuota"), gk("", "LimitRange"),
		gk("scheduling.k8s.io", "PriorityClass"), gk("storage.k8s.io", "StorageClass"),
		gk("node.k8s.io", "RuntimeClass"), gk("networking.k8s.io", "IngressClass"),
		gk("", "ServiceAccount"),
		gk("rbac.authorization.k8s.io", "ClusterRole"), gk("rbac.authorization.k8s.io", "Role"),
		gk("rbac.authorization.k8s.io", "ClusterRoleBinding"), gk("rbac.authorization.k8s.io", "RoleBinding"),
		gk("", "ConfigMap"), gk("", "Secret"),
		gk("", "PersistentVolume"), gk("", "PersistentVolumeClaim"),
		gk("networking.k8s.io", "NetworkPolicy"), gk("policy", "PodDisruptionBudget"),
	},
	StageWorkloads: {
		gk("", "Service"), gk("apps.kruise.io", "SidecarSet"),
	},
	StageAdmission: {
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
		gk("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
		gk("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
		gk("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
		gk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
	},
})

func buildRanks(byStage map[Stage][]schema.GroupKind) map[schema.GroupKind]rank {
	out := map[schema.GroupKind]rank{}
	for stage, kinds := range byStage {
		for i, k := range kinds {
			out[k] = rank{stage: stage, pos: i}
		}
	}
	return out
}

func rankOf(k schema.GroupKind) rank {
	if r, ok := kindRanks[k]; ok {
		return r
	}
	return rank{stage: StageWorkloads, pos: unlisted}
}

// StageOf returns the apply stage of a kind.
func StageOf(k schema.GroupKind) Stage { return rankOf(k).stage }

// lessRef is the total apply order: stage, position of the kind in its
// stage, then group, kind, namespace and name, so the order never depends on
// the order of the input.
func lessRef(a, b ObjectRef) bool {
	ra, rb := rankOf(a.GroupKind()), rankOf(b.GroupKind())
	switch {
	case ra.stage != rb.stage:
		return ra.stage < rb.stage
	case ra.pos != rb.pos:
		return ra.pos < rb.pos
	case a.Group != b.Group:
		return a.Group < b.Group
	case a.Kind != b.Kind:
		return a.Kind < b.Kind
	case a.Namespace != b.Namespace:
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// SortRefs sorts refs into apply order (in place).
func SortRefs(refs []ObjectRef) {
	sort.SliceStable(refs, func(i, j int) bool { return lessRef(refs[i], refs[j]) })
}

// SortRefsForPrune sorts refs into delete order: the apply order reversed,
// so workloads go before the ConfigMaps they mount, and Namespaces and CRDs
// go last (deleting a CRD deletes all of its objects).
func SortRefsForPrune(refs []ObjectRef) {
	sort.SliceStable(refs, func(i, j int) bool { return lessRef(refs[j], refs[i]) })
}

// sameKindRank reports whether two refs are of the same kind, so they may be
// written concurrently without breaking the kind order.
func sameKindRank(a, b ObjectRef) bool {
	return a.GroupKind() == b.GroupKind()
}
