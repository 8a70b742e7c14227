// Package advance moves a CloneSet's rollout by one commit: it writes the
// next partition into the one YAML value of the repository that sets it,
// and nothing else. `ferry advance` and the GitOps loop's cron advances
// both use it, so a batch advances the same way by hand and on schedule.
//
// It is two calls, planning apart from effects:
//
//	ch, err := advance.Plan(ctx, advance.Request{
//		Commit: tip, Path: "overlays/prod", Namespace: "default", Name: "demo",
//		Target: advance.ToBatch(2), Health: advance.HealthOf(live, gs.Status.Batches, now),
//	})
//	res, err := advance.Commit(ctx, ch, source.WriteBackRequest{URL: url, Branch: "main", Auth: auth, When: now})
//
// or advance.Run, which plans on a fresh snapshot and commits, and plans
// again once if the branch moved in between.
//
// # Finding the value
//
// Plan renders the path, finds the CloneSet and its step from the batch
// plan (rollout/batch), then collects every value in the files the build
// reads that sets spec.updateStrategy.partition to what the render shows:
// in the CloneSet's origin file, in the patch files the render's provenance
// lists (strategic merge or JSON6902), and inline in the build's
// kustomization files (a literal block or a one-line patch). Each candidate
// is proven by rendering with it edited (render.WithFiles): the one whose
// edit changes this CloneSet's partition to the target, and no other field
// of any object, is the one. Kustomize's order, name prefixes and patch
// targets need not be re-implemented: the render decides. When no value
// passes (the partition comes from a replacement, a generator, a remote
// base, or a patch that also sets another CloneSet's partition), Plan
// refuses with ErrCannotEdit and lists what it tried.
//
// The edit is a splice: the value's bytes are replaced and every other byte
// of the file is kept (comments, quoting, indentation, line endings), so
// the commit changes exactly one line. A percent keeps its quotes; an int
// is written bare.
//
// # Refusals
//
//   - the target is where git is already: batch.ErrAlreadyAtBatch. A
//     retried cron tick passing ToBatch(k), or `ferry advance --next` run
//     twice before ferry applied the first, commits nothing.
//   - the target skips batches or raises the partition: batch.ErrNotNextStep.
//   - the batch running now is not complete, or the cluster runs another
//     partition than git holds: ErrNotHealthy.
//   - the value is also rendered by kustomizations outside the path's own
//     build, and the edit changes their render (two overlays sharing a base
//     that sets the partition, neither overriding it): ErrSharedFile,
//     naming them. Editing it would advance them too; add a partition patch
//     to the path's overlay instead. An overlay that sets its own partition
//     is not affected, and kustomizations that include the path itself are
//     not counted: they build on it.
//
// Force overrides the last three.
package advance
