package controller

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxCollisions bounds how often a revision name is found taken by other
// data before the pass gives up (each collision bumps collisionCount, which
// changes the hash).
const maxCollisions = 10

// syncRevisions carries out plan.ChooseRevisions: create the revision for
// the template, or renumber an older equal one (a rollback to an old
// template keeps its name, so pods still match it). A name already taken by
// another object is a hash collision: collisionCount goes up by one and the
// choice is made again, as Kubernetes' history package does.
func (c *Controller) syncRevisions(ctx context.Context, p *pass) error {
	cs := p.cs.DeepCopy()
	for range maxCollisions {
		choice, err := plan.ChooseRevisions(cs, p.revisions)
		if err != nil {
			return err
		}
		p.choice = choice
		switch {
		case choice.Renumber != nil:
			return c.renumberRevision(ctx, p, choice.Renumber, choice.RenumberTo)
		case choice.Create == nil:
			return nil
		}
		created, err := c.createRevision(ctx, p, choice.Create)
		if err != nil {
			return err
		}
		if created {
			return nil
		}
		next := choice.CollisionCount + 1
		cs.Status.CollisionCount = &next
	}
	return fmt.Errorf("cloneset %s: revision names collided %d times", p.key, maxCollisions)
}

// createRevision creates rev; created is false when its name is taken by
// something else than an equal revision of this CloneSet.
func (c *Controller) createRevision(ctx context.Context, p *pass, rev *appsv1.ControllerRevision) (created bool, err error) {
	api := c.clients.Kube.AppsV1().ControllerRevisions(rev.Namespace)
	c.scale.Expect(p.key, ExpectCreate, "revision/"+rev.Name)
	got, err := api.Create(ctx, rev, metav1.CreateOptions{FieldManager: FieldManager})
	if err == nil {
		c.metrics.writes.Add(1)
		p.revisions = append(p.revisions, got)
		return true, nil
	}
	c.scale.Observe(p.key, ExpectCreate, "revision/"+rev.Name)
	if !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("create revision %s/%s: %w", rev.Namespace, rev.Name, err)
	}
	existing, err := api.Get(ctx, rev.Name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("get revision %s/%s: %w", rev.Namespace, rev.Name, err)
	}
	if metav1.IsControlledBy(existing, p.cs) && bytes.Equal(existing.Data.Raw, rev.Data.Raw) {
		p.revisions = append(p.revisions, existing)
		return true, nil
	}
	return false, nil
}

func (c *Controller) renumberRevision(ctx context.Context, p *pass, rev *appsv1.ControllerRevision, to int64) error {
	upd := rev.DeepCopy()
	upd.Revision = to
	got, err := c.clients.Kube.AppsV1().ControllerRevisions(rev.Namespace).Update(ctx, upd, metav1.UpdateOptions{FieldManager: FieldManager})
	if err != nil {
		return fmt.Errorf("renumber revision %s/%s to %d: %w", rev.Namespace, rev.Name, to, err)
	}
	c.metrics.writes.Add(1)
	c.versions.Expect(p.key, refOf(kindRevision, got), got.ResourceVersion)
	for i, r := range p.revisions {
		if r.UID == got.UID {
			p.revisions[i] = got
		}
	}
	return nil
}

// truncateHistory deletes the revisions plan.RevisionsToDelete names:
// beyond revisionHistoryLimit, and used by neither status nor any pod.
func (c *Controller) truncateHistory(ctx context.Context, p *pass) error {
	names := plan.RevisionsToDelete(p.cs, p.revisions, p.choice.Current, p.choice.Update, p.pods)
	for _, name := range names {
		err := c.clients.Kube.AppsV1().ControllerRevisions(p.cs.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete revision %s/%s: %w", p.cs.Namespace, name, err)
		}
		c.metrics.writes.Add(1)
	}
	return nil
}
