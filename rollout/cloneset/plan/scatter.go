package plan

import (
	"math"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// scatter is Kruise's scatter sorter: for each term (key=value), candidates
// matching it are spread evenly among the others so that one update batch
// does not take all of them. With several terms, the term matching most
// candidates is scattered first.
//
// Example: candidates a1 a2 b1 b2 b3 b4 where a* match zone=a: the result
// interleaves them, b1 b2 a1 b3 b4 a2 style, keeping the last match at the end.
func scatter(strategy appsv1alpha1.UpdateScatterStrategy, pods []*corev1.Pod, idx []int) []int {
	if len(idx) <= 1 {
		return idx
	}
	for _, term := range scatterTerms(strategy, pods, idx) {
		idx = scatterByTerm(term, pods, idx)
	}
	return idx
}

func scatterTerms(strategy appsv1alpha1.UpdateScatterStrategy, pods []*corev1.Pod, idx []int) []appsv1alpha1.UpdateScatterTerm {
	if len(strategy) == 1 {
		return strategy
	}
	var terms []appsv1alpha1.UpdateScatterTerm
	count := map[appsv1alpha1.UpdateScatterTerm]int{}
	for _, term := range strategy {
		for _, i := range idx {
			if v, ok := pods[i].Labels[term.Key]; ok && v == term.Value {
				if count[term] == 0 {
					terms = append(terms, term)
				}
				count[term]++
			}
		}
	}
	sort.SliceStable(terms, func(i, j int) bool { return count[terms[i]] > count[terms[j]] })
	return terms
}

func scatterByTerm(term appsv1alpha1.UpdateScatterTerm, pods []*corev1.Pod, idx []int) []int {
	var matched, unmatched []int
	for _, i := range idx {
		if pods[i].Labels[term.Key] == term.Value {
			matched = append(matched, i)
		} else {
			unmatched = append(unmatched, i)
		}
	}
	if len(matched) <= 1 || len(unmatched) <= 1 {
		return idx
	}
	var totalMatched, totalUnmatched int
	for _, p := range pods {
		if p.Labels[term.Key] == term.Value {
			totalMatched++
		} else {
			totalUnmatched++
		}
	}
	last := matched[len(matched)-1]
	matched = matched[:len(matched)-1]
	totalMatched--

	g := scatterGroups(totalMatched, totalUnmatched, len(matched), len(unmatched))
	out := make([]int, 0, len(idx))
	if g.unmatchedRemainder > 0 {
		out = append(out, unmatched[:g.unmatchedRemainder]...)
		unmatched = unmatched[g.unmatchedRemainder:]
	}
	for range g.groups {
		matched, out = moveN(matched, out, g.matchedSize)
		unmatched, out = moveN(unmatched, out, g.unmatchedSize)
	}
	out = append(out, matched...)
	out = append(out, unmatched...)
	return append(out, last)
}

func moveN(src, dst []int, n int) ([]int, []int) {
	if len(src) < n {
		return nil, append(dst, src...)
	}
	return src[n:], append(dst, src[:n]...)
}

type scatterGroup struct {
	groups, matchedSize, unmatchedSize, unmatchedRemainder int
}

func newScatterGroup(matched, unmatched int) scatterGroup {
	g := scatterGroup{groups: min(matched, unmatched)}
	g.matchedSize = int(math.Round(float64(matched) / float64(g.groups)))
	g.unmatchedSize = int(math.Round(float64(unmatched) / float64(g.groups)))
	return g
}

// scatterGroups sizes the interleaving: by the candidates' own density, or,
// when the whole set is sparser in matches than the candidates, by the whole
// set's density with the unmatched remainder put first.
func scatterGroups(totalMatched, totalUnmatched, matched, unmatched int) scatterGroup {
	update := newScatterGroup(matched, unmatched)
	if float32(totalUnmatched)/float32(totalMatched) >= float32(unmatched)/float32(matched) {
		return update
	}
	total := newScatterGroup(totalMatched, totalUnmatched)
	g := scatterGroup{matchedSize: total.matchedSize, unmatchedSize: total.unmatchedSize}
	g.groups = min(matched/g.matchedSize, unmatched/g.unmatchedSize)
	g.unmatchedRemainder = unmatched - g.groups*g.unmatchedSize
	return g
}
