// Package gitsync is ferry's GitOps loop: it keeps each GitSync's path of a
// git repository applied in the cluster.
//
// One reconcile is a numbered recipe, each step in its own file:
//
//  1. fetch   source.Fetcher lists the remote refs and fetches only a new commit
//  2. verify  the head commit's OpenPGP or SSH signature, when spec.verify asks
//  3. gate    the schedule's windows decide whether a new revision may go out
//  4. render  render.Build: kustomize at that commit, SidecarSets injected
//  5. apply   apply.Manager: dry-run everything, then server-side apply in kind order
//  6. prune   what the last inventory has and this render lacks
//  7. health  per object; CloneSets report their batch (rollout/batch)
//  8. status  computed purely from the old status and the outcome, written once
//
// A failure at any step stops the recipe there: nothing more from that
// revision is applied, the last applied revision keeps running, and the
// Ready condition says which step failed and why (file, object, field).
// Everything ferry needs to resume lives in the GitSync's status and in git,
// so a restarted ferry picks up where it stopped.
package gitsync
