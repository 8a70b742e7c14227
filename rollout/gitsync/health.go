package gitsync

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/apply/health"
)

// observe reads the health of every object in inv and the batch of every
// CloneSet. rendered are the objects as git has them (nil on a refresh
// between syncs: the live CloneSets then stand in, since ferry applied git's
// partition and plan to them). known are objects the caller already holds
// as they are now (the apply's answers, by inventory ID); only the others
// are read from the cluster, once each (CloneSets read for the batches
// count as known for health).
func (r *Reconciler) observe(ctx context.Context, gs *v1alpha1.GitSync, inv apply.Inventory, rendered []*unstructured.Unstructured, known map[string]*unstructured.Unstructured) (*HealthSummary, []v1alpha1.BatchStatus, error) {
	refs, err := inv.Refs()
	if err != nil {
		return nil, nil, err
	}
	// health is read as the GitSync applies: with spec.serviceAccountName,
	// as that account, which may read only what it may change
	mgr, err := r.managerFor(gs)
	if err != nil {
		return nil, nil, err
	}
	// batches first: the CloneSets it reads join known, so health does
	// not read them again
	if known == nil {
		known = map[string]*unstructured.Unstructured{}
	}
	batches, err := r.batches(ctx, mgr.Client(), refs, rendered, gs.Namespace, known)
	if err != nil {
		return nil, nil, err
	}
	var hs []apply.ObjectHealth
	var unread []apply.ObjectRef
	for _, ref := range refs {
		if u := known[ref.ID()]; u != nil {
			hs = append(hs, apply.ObjectHealth{Ref: ref, Health: health.Of(u)})
		} else {
			unread = append(unread, ref)
		}
	}
	if len(unread) > 0 {
		read, err := mgr.Check(ctx, unread)
		if err != nil {
			return nil, nil, err
		}
		hs = append(hs, read...)
	}
	sum := &HealthSummary{}
	for _, h := range hs {
		line := fmt.Sprintf("%s: %s", h.Ref.Describe(), h.Health.Message)
		switch h.Health.Status {
		case health.Current:
		case health.Failed:
			sum.Failed = append(sum.Failed, line)
		case health.Unknown:
			sum.Unknown = append(sum.Unknown, line)
		default:
			sum.InProgress = append(sum.InProgress, line)
		}
	}
	return sum, batches, nil
}

// batches computes BatchOf for each CloneSet of the inventory.
func (r *Reconciler) batches(ctx context.Context, dyn dynamic.Interface, refs []apply.ObjectRef, rendered []*unstructured.Unstructured, defaultNS string, known map[string]*unstructured.Unstructured) ([]v1alpha1.BatchStatus, error) {
	fromGit := map[string]*unstructured.Unstructured{}
	for _, u := range rendered {
		if u.GroupVersionKind() == cloneSetKind {
			ns := u.GetNamespace()
			if ns == "" {
				ns = defaultNS
			}
			u = u.DeepCopy()
			u.SetNamespace(ns)
			fromGit[ns+"/"+u.GetName()] = u
		}
	}
	out := []v1alpha1.BatchStatus{}
	for _, ref := range refs {
		if ref.GroupKind() != cloneSetKind.GroupKind() {
			continue
		}
		live := known[ref.ID()]
		if live == nil {
			u, err := dyn.Resource(cloneSetResource).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("CloneSet %s/%s: %w", ref.Namespace, ref.Name, err)
			}
			if err == nil {
				live = u
				known[ref.ID()] = u
			}
		}
		git := fromGit[ref.Namespace+"/"+ref.Name]
		if git == nil {
			git = live
		}
		if git == nil {
			continue
		}
		b, err := batchOfObjects(git, live)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nil
}

func batchOfObjects(git, live *unstructured.Unstructured) (v1alpha1.BatchStatus, error) {
	rendered, err := toCloneSet(git)
	if err != nil {
		return v1alpha1.BatchStatus{}, err
	}
	if live == nil {
		return BatchOf(rendered, nil)
	}
	l, err := toCloneSet(live)
	if err != nil {
		return v1alpha1.BatchStatus{}, err
	}
	return BatchOf(rendered, l)
}
