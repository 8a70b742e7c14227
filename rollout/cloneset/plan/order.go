package plan

import (
	"math"
	"sort"
	"strconv"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Kruise sorts with sort.Slice/sort.Sort, which leave equal pods in an
// unspecified order. ferry sorts pods by name before planning and uses stable
// sorts, so equal pods keep name order and a plan never depends on chance.

var phaseRank = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// activePodsLess is Kubernetes' controller.ActivePods order, the base of the
// update order: the pod that is furthest from serving comes first.
//
//  1. unscheduled before scheduled
//  2. Pending before Unknown before Running
//  3. not ready before ready
//  4. both ready: ready more recently first
//  5. more container restarts first
//  6. created more recently first
func activePodsLess(a, b *corev1.Pod) bool {
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if phaseRank[a.Status.Phase] != phaseRank[b.Status.Phase] {
		return phaseRank[a.Status.Phase] < phaseRank[b.Status.Phase]
	}
	if ra, rb := isReadyCondition(a), isReadyCondition(b); ra != rb {
		return !ra
	}
	if less, decided := newerReadyFirst(a, b); decided {
		return less
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return afterOrZero(a.CreationTimestamp.Time, b.CreationTimestamp.Time)
	}
	return false
}

// victimOrder is Kruise's ActivePodsWithRanks, the scale-in order: the first
// pods are deleted first.
//
//  1. unscheduled before scheduled
//  2. Pending before Unknown before Running
//  3. unavailable before available, then not ready before ready
//  4. lower controller.kubernetes.io/pod-deletion-cost first
//  5. higher rank first (more pods of this CloneSet on the same node, or a
//     crowded topology domain when the template has topologySpreadConstraints)
//  6. both ready: ready more recently first
//  7. more container restarts first
//  8. created more recently first
type victimOrder struct {
	rank      map[string]float64 // by pod name
	available func(*corev1.Pod) bool
}

func (o victimOrder) less(a, b *corev1.Pod) bool {
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if phaseRank[a.Status.Phase] != phaseRank[b.Status.Phase] {
		return phaseRank[a.Status.Phase] < phaseRank[b.Status.Phase]
	}
	if o.available != nil {
		if aa, ab := o.available(a), o.available(b); aa != ab {
			return !aa
		}
	}
	if ra, rb := isReadyCondition(a), isReadyCondition(b); ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if ra, rb := o.rank[a.Name], o.rank[b.Name]; ra != rb {
		return ra > rb
	}
	if less, decided := newerReadyFirst(a, b); decided {
		return less
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return afterOrZero(a.CreationTimestamp.Time, b.CreationTimestamp.Time)
	}
	return false
}

func (o victimOrder) sort(pods []*corev1.Pod) {
	sort.SliceStable(pods, func(i, j int) bool { return o.less(pods[i], pods[j]) })
}

func newerReadyFirst(a, b *corev1.Pod) (less, decided bool) {
	if !isReadyCondition(a) || !isReadyCondition(b) {
		return false, false
	}
	ta, tb := readyTime(a), readyTime(b)
	if ta.Equal(tb) {
		return false, false
	}
	return afterOrZero(ta, tb), true
}

func readyTime(pod *corev1.Pod) time.Time {
	if c := podCondition(pod, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// afterOrZero reports whether t1 is after t2, a zero time counting as the latest.
func afterOrZero(t1, t2 time.Time) bool {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero()
	}
	return t1.After(t2)
}

func maxRestarts(pod *corev1.Pod) int32 {
	var n int32
	for _, c := range pod.Status.ContainerStatuses {
		n = max(n, c.RestartCount)
	}
	return n
}

// deletionCost reads controller.kubernetes.io/pod-deletion-cost; a missing or
// malformed value ("+1", "007", not an int32) counts as 0, as in Kubernetes.
func deletionCost(pod *corev1.Pod) int32 {
	v, ok := pod.Annotations[AnnotationDeletionCost]
	if !ok || v == "" || v[0] == '+' || (len(v) > 1 && v[0] == '0') {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// sameNodeRanks ranks pods that share a node with other pods of the set: on
// a node with k pods, the k-1 that sort first (by the victim order without
// ranks) get ranks k-1 ... 1 and the best one keeps 0.
func sameNodeRanks(pods []*corev1.Pod) map[string]float64 {
	ranks := map[string]float64{}
	byNode := map[string][]*corev1.Pod{}
	var nodes []string
	for _, p := range pods {
		if p.Spec.NodeName == "" {
			continue
		}
		if _, ok := byNode[p.Spec.NodeName]; !ok {
			nodes = append(nodes, p.Spec.NodeName)
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	for _, n := range nodes {
		group := append([]*corev1.Pod(nil), byNode[n]...)
		if len(group) <= 1 {
			continue
		}
		victimOrder{}.sort(group)
		group = group[:len(group)-1]
		for i, p := range group {
			ranks[p.Name] = float64(len(group) - i)
		}
	}
	return ranks
}

// spreadRanks is Kruise's spread-constraints ranker, used when the template
// has topologySpreadConstraints: for each constraint's topology key, pods in
// a domain are ranked by how many others share it, weighted by
// ln(domains+2). nodeLabels maps node names to labels; pods on nodes it does
// not know are left out, as Kruise leaves out nodes it cannot read.
func spreadRanks(pods []*corev1.Pod, keys []string, nodeLabels map[string]map[string]string) map[string]float64 {
	ranks := map[string]float64{}
	sameNode := sameNodeRanks(pods)
	for _, key := range keys {
		domains := map[string][]*corev1.Pod{}
		for _, p := range pods {
			nl, ok := nodeLabels[p.Spec.NodeName]
			if p.Spec.NodeName == "" || !ok {
				continue
			}
			if v, ok := nl[key]; ok {
				domains[v] = append(domains[v], p)
			}
		}
		order := victimOrder{}
		if key != corev1.LabelHostname {
			order.rank = sameNode
		}
		weight := math.Log(float64(len(domains) + 2))
		for _, group := range domains {
			order.sort(group)
			for i, p := range group {
				ranks[p.Name] += float64(len(group)-i) * weight
			}
		}
	}
	return ranks
}

// victimRanks picks the ranker Kruise would use for the CloneSet.
func victimRanks(cs *appsv1alpha1.CloneSet, pods []*corev1.Pod, nodeLabels map[string]map[string]string) map[string]float64 {
	var keys []string
	for _, c := range cs.Spec.Template.Spec.TopologySpreadConstraints {
		keys = append(keys, c.TopologyKey)
	}
	if len(keys) > 0 {
		return spreadRanks(pods, keys, nodeLabels)
	}
	return sameNodeRanks(pods)
}

// sortUpdateCandidates is Kruise's SortUpdateIndexes: ActivePods order, then
// priorityStrategy, then scatterStrategy, then pods already in PreparingUpdate
// first. pods is the whole set (scatter counts over it); idx are candidates.
func sortUpdateCandidates(strategy appsv1alpha1.CloneSetUpdateStrategy, pods []*corev1.Pod, idx []int) []int {
	sort.SliceStable(idx, func(i, j int) bool { return activePodsLess(pods[idx[i]], pods[idx[j]]) })
	if ps := strategy.PriorityStrategy; ps != nil && (len(ps.WeightPriority) > 0 || len(ps.OrderPriority) > 0) {
		idx = sortByPriority(ps, pods, idx)
	}
	if len(strategy.ScatterStrategy) > 0 {
		idx = scatter(strategy.ScatterStrategy, pods, idx)
	}
	sort.SliceStable(idx, func(i, j int) bool {
		return LifecycleState(pods[idx[i]]) == appspub.LifecycleStatePreparingUpdate &&
			LifecycleState(pods[idx[j]]) != appspub.LifecycleStatePreparingUpdate
	})
	return idx
}

// sortByPriority orders by summed weight of matching selectors (higher
// first), or by order terms: the first orderedKey a pod has decides its level
// (lower level first; pods with none of the keys get level -1 and come
// first), and within a level the higher trailing integer of the value first.
// Like Kruise, pods of equal priority end up in descending index order.
func sortByPriority(ps *appspub.UpdatePriorityStrategy, pods []*corev1.Pod, idx []int) []int {
	weight := func(p *corev1.Pod) int64 {
		var w int64
		for _, term := range ps.WeightPriority {
			sel, err := metav1.LabelSelectorAsSelector(&term.MatchSelector)
			if err == nil && sel.Matches(labels.Set(p.Labels)) {
				w += int64(term.Weight)
			}
		}
		return w
	}
	order := func(p *corev1.Pod) (level, value int64) {
		for i, term := range ps.OrderPriority {
			if v, ok := p.Labels[term.OrderedKey]; ok {
				return int64(i), trailingInt(v)
			}
		}
		return -1, 0
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := pods[idx[i]], pods[idx[j]]
		if len(ps.WeightPriority) > 0 {
			if wa, wb := weight(a), weight(b); wa != wb {
				return wa > wb
			}
		} else {
			la, va := order(a)
			lb, vb := order(b)
			if la != lb {
				return la < lb
			}
			if va != vb {
				return va > vb
			}
		}
		return idx[i] > idx[j]
	})
	return idx
}

// trailingInt is the integer a label value ends with: "sts-10" -> 10, "a" -> 0.
func trailingInt(v string) int64 {
	start := len(v)
	for start > 0 && v[start-1] >= '0' && v[start-1] <= '9' {
		start--
	}
	n, err := strconv.ParseInt(v[start:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}
