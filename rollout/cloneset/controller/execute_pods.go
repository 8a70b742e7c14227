package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// instanceIDLength is the length of the random part of a pod name.
const instanceIDLength = 5

// createPods creates one pod per PodCreate (and its PVCs first). Every name
// is expected before its request is sent; names whose request failed or
// was never sent are un-expected, since the cache will never show them.
// Each created pod gets its refresh (plan.RefreshNew) as soon as its
// create returns, alongside the creates still starting; a failed refresh
// is returned but leaves the create counted (the next pass plans it again).
func (c *Controller) createPods(ctx context.Context, p *pass, creates []plan.PodCreate) error {
	ids := instanceIDs(len(creates), p.claimed, p.pvcs)
	pods := make([]*corev1.Pod, len(creates))
	for i, cr := range creates {
		rev := p.revision(cr.Revision)
		if rev == nil {
			return fmt.Errorf("cloneset %s: create pod: revision %s not found", p.key, cr.Revision)
		}
		pod, err := plan.NewPod(p.cs, rev, ids[i], p.now)
		if err != nil {
			return fmt.Errorf("cloneset %s: %w", p.key, err)
		}
		pods[i] = pod
		c.scale.Expect(p.key, ExpectCreate, "pod/"+pod.Name)
	}
	existing := map[string]bool{}
	for _, pvc := range p.pvcs {
		existing[pvc.Name] = true
	}
	in := c.planInput(p)
	refreshErrs := make([]error, len(pods))
	var refreshes sync.WaitGroup
	done, err := slowStart(ctx, len(pods), c.opts.WriteParallelism, func(ctx context.Context, i int) error {
		got, err := c.createPod(ctx, p, pods[i], existing)
		if err != nil {
			return err
		}
		refreshes.Go(func() { refreshErrs[i] = c.refreshCreated(ctx, p, in, got) })
		return nil
	})
	refreshes.Wait()
	for i, pod := range pods {
		if !done[i] {
			c.scale.Observe(p.key, ExpectCreate, "pod/"+pod.Name)
		}
	}
	return errors.Join(err, errors.Join(refreshErrs...))
}

// refreshCreated writes the refresh a pod just created needs.
func (c *Controller) refreshCreated(ctx context.Context, p *pass, in plan.Input, pod *corev1.Pod) error {
	refresh, lifecycle, err := plan.RefreshNew(in, pod)
	if err != nil {
		return fmt.Errorf("cloneset %s: pod %s: %w", p.key, pod.Name, err)
	}
	if len(refresh) == 0 && lifecycle == nil {
		return nil
	}
	return c.writePodWork(ctx, p, &podWork{refresh: refresh, lifecycle: lifecycle})
}

func (c *Controller) createPod(ctx context.Context, p *pass, pod *corev1.Pod, existingPVCs map[string]bool) (*corev1.Pod, error) {
	for _, claim := range plan.NewClaims(p.cs, pod.Labels[appsv1alpha1.CloneSetInstanceID]) {
		if existingPVCs[claim.Name] {
			continue
		}
		if err := c.createClaim(ctx, p, claim); err != nil {
			c.recorder.Eventf(p.cached, corev1.EventTypeWarning, string(ReasonFailedCreate), "failed to create pvc %s: %v", claim.Name, err)
			return nil, err
		}
	}
	got, err := c.clients.Kube.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil {
		c.recorder.Eventf(p.cached, corev1.EventTypeWarning, string(ReasonFailedCreate), "failed to create pod %s: %v", pod.Name, err)
		return nil, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	p.written.create(got)
	c.metrics.writes.Add(1)
	c.metrics.podsCreated.Add(1)
	c.recorder.Eventf(p.cached, corev1.EventTypeNormal, string(ReasonSuccessfulCreate), "succeed to create pod %s", pod.Name)
	return got, nil
}

func (c *Controller) createClaim(ctx context.Context, p *pass, claim *corev1.PersistentVolumeClaim) error {
	c.scale.Expect(p.key, ExpectCreate, "pvc/"+claim.Name)
	_, err := c.clients.Kube.CoreV1().PersistentVolumeClaims(claim.Namespace).Create(ctx, claim, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil {
		c.scale.Observe(p.key, ExpectCreate, "pvc/"+claim.Name)
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return fmt.Errorf("create pvc %s/%s: %w", claim.Namespace, claim.Name, err)
	}
	c.metrics.writes.Add(1)
	return nil
}

// deletePod deletes a pod (guarded by its UID) and the PVCs that share its
// instance id. A pod already gone counts as deleted.
func (c *Controller) deletePod(ctx context.Context, p *pass, d plan.PodDelete) error {
	pod := p.byName[d.Pod]
	if pod == nil {
		return fmt.Errorf("cloneset %s: delete: pod %s not in this pass", p.key, d.Pod)
	}
	c.scale.Expect(p.key, ExpectDelete, "pod/"+pod.Name)
	err := c.clients.Kube.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(pod.UID))})
	switch {
	case apierrors.IsNotFound(err):
		c.scale.Observe(p.key, ExpectDelete, "pod/"+pod.Name)
		p.written.remove(pod.Name)
	case err != nil:
		c.scale.Observe(p.key, ExpectDelete, "pod/"+pod.Name)
		c.recorder.Eventf(p.cached, corev1.EventTypeWarning, string(ReasonFailedDelete), "failed to delete pod %s: %v", pod.Name, err)
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	default:
		p.written.remove(pod.Name)
		c.metrics.writes.Add(1)
		c.metrics.podsDeleted.Add(1)
		c.recorder.Eventf(p.cached, corev1.EventTypeNormal, string(ReasonSuccessfulDelete), "succeed to delete pod %s (%s)", pod.Name, d.Reason)
	}
	id := pod.Labels[appsv1alpha1.CloneSetInstanceID]
	for _, pvc := range p.pvcs {
		if id == "" || pvc.Labels[appsv1alpha1.CloneSetInstanceID] != id {
			continue
		}
		c.scale.Expect(p.key, ExpectDelete, "pvc/"+pvc.Name)
		err := c.clients.Kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).Delete(ctx, pvc.Name, metav1.DeleteOptions{})
		if err != nil {
			c.scale.Observe(p.key, ExpectDelete, "pvc/"+pvc.Name)
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete pvc %s/%s: %w", pvc.Namespace, pvc.Name, err)
			}
			continue
		}
		c.metrics.writes.Add(1)
	}
	return nil
}

// instanceIDs picks n instance ids: first those of PVCs whose pod is gone
// (the new pod takes over the volume), then random ones unused by any pod
// or PVC of the CloneSet.
func instanceIDs(n int, pods []*corev1.Pod, pvcs []*corev1.PersistentVolumeClaim) []string {
	used := map[string]bool{}
	for _, pod := range pods {
		used[pod.Labels[appsv1alpha1.CloneSetInstanceID]] = true
	}
	var free []string
	freeSeen := map[string]bool{}
	for _, pvc := range pvcs {
		id := pvc.Labels[appsv1alpha1.CloneSetInstanceID]
		if id != "" && !used[id] && !freeSeen[id] {
			freeSeen[id] = true
			free = append(free, id)
		}
		used[id] = true
	}
	out := make([]string, 0, n)
	for len(out) < n {
		if len(free) > 0 {
			out = append(out, free[0])
			free = free[1:]
			continue
		}
		id := rand.String(instanceIDLength)
		if !used[id] {
			used[id] = true
			out = append(out, id)
		}
	}
	return out
}
