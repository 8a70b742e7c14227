// Package impact previews the rollout a change to a CloneSet in git will
// trigger: which revision pods move to, how many, in place or recreated,
// the batch, and the peak and floor of pods along the way. It runs the
// engine's own planner offline (rollout/cloneset/simulate), so the numbers
// are the ones ferry's engine then produces. It is pure: no git, no cluster.
//
// # The starting pods
//
// The preview assumes the cluster settled at base: every pod ready and
// base's partition satisfied. With R replicas and partition P resolved
// against them (Rb, Pb at base; Rh, Ph at head), T the pod template, and
// Tprev the template before base's (the one base's partition still holds
// pods at):
//
//	change                      pods at the start                 in place decided by   said in the output
//	template same, Pb = 0       Rb at Tb                          -                     -
//	template same, Pb > 0       Pb at Tprev, Rb-Pb at Tb          Tprev → Tb            Tprev unknown: "assumed in place"
//	template same, no Tprev     Rb at Tb (created at Tb)          -                     -
//	template changed            Rb at Tb (Tb is current)          Tb → Th               Pb > 0: "assumes base fully rolled out"
//
// Template same covers a batch advance (Pb → Ph), a rollback (raised
// partition) and a scale (Rb → Rh); the simulation moves Pb-Ph pods from
// Tprev to Tb, or back. Tprev is found by the caller in git history (the
// last commit before base whose CloneSet template differs from base's);
// "no Tprev" means history shows the CloneSet was created with base's
// template, so Kruise made every pod at it.
//
// Template changed is a new release: every pod at base counts as running
// Tb, and Rh-Ph of them move to Th. When base itself held Pb > 0 pods
// back, those pods really run Tprev; the engine moves them too (any pod not
// at the update revision counts as old), so the counts are the same, but
// whether they move in place depends on Tprev → Th, which the simulation,
// holding two revisions, cannot tell apart. The output states that
// assumption.
//
// Worked example (the seed CloneSet: 5 replicas, maxSurge 20% = 1,
// maxUnavailable 0, InPlaceIfPossible; plan "3,1,0"):
//
//	commit                        pods at the start   moves  peak  floor  steps
//	image 1.0 → 1.1, partition 3  5 at 1.0            2      6     5      3
//	partition 3 → 1               3 at 1.0, 2 at 1.1  2      6     5      3
//	partition 1 → 0               1 at 1.0, 4 at 1.1  1      6     5      2
//
// (TestCompute checks these rows; the e2e test in render/diff/e2e checks
// them, and others, against the engine on a real API server.)
package impact
