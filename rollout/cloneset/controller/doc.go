// Package controller is the effects half of ferry's CloneSet rollout
// engine: client-go informers over CloneSets, their pods, PVCs and
// ControllerRevisions feed a rate-limited workqueue; each reconcile reads the
// caches, asks the pure planner (package plan) what one pass must do, carries
// that Plan out, writes status, and returns. Nothing here decides what to
// roll: the executor only turns plan items into API writes.
//
// One pass, as a numbered recipe (sync.go):
//
//  1. Wait until the caches show the engine's own earlier writes
//     (expectations.go): a stale cache must never create or delete twice.
//  2. Validate the CloneSet as Kruise's webhook would; an invalid one is not
//     acted on, only a Stalled condition and an event say why (status.go).
//  3. Claim pods and revisions by selector: adopt orphans, release strays
//     (claim.go).
//  4. Choose, create or renumber the ControllerRevisions (revisions.go).
//  5. plan.Pass, then carry out its one kind of mutation (execute*.go).
//  6. Write status if it changed (while step 5 runs).
//  7. Plan the next pass on the objects step 5's writes returned and carry
//     it out, without waiting for the cache, until a pass has nothing to do
//     or a write fails (chain.go).
//  8. Truncate podsToDelete and history.
//
// Files: controller.go (wiring, queue, workers), caches.go (informers),
// handlers.go (events to keys and expectations), expectations.go, sync.go,
// chain.go, combined.go, claim.go, revisions.go, execute.go, execute_pods.go, execute_update.go,
// patch.go, status.go, conditions.go, events.go, metrics.go, options.go.
package controller
