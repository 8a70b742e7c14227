// Package batch reads a CloneSet's batch plan and says where its rollout
// stands: "batch 2 of 3". It is pure: no git, no cluster, no clock.
//
// The plan is an annotation on the CloneSet in git, listing the partition of
// each batch, first batch first:
//
//	metadata:
//	  annotations:
//	    ferry.dev/batches: "80%,50%,0"
//	spec:
//	  replicas: 10
//	  updateStrategy:
//	    partition: 80%     # batch 1 of 3: 2 pods updated
//
// Entries are ints or percents, resolved against replicas with OpenKruise's
// rounding (PartitionReplicas), must strictly decrease once resolved, and end
// at 0. Advancing a batch is a commit that writes the next entry, as written,
// into spec.updateStrategy.partition.
//
// A CloneSet without the annotation has no plan (NoPlan): ferry does not
// invent batches from the current partition, because any guess (halving,
// one pod at a time) would commit partitions nobody chose. Without a plan
// status and diff show the partition only ("partition 3"), Next and ToBatch
// fail with ErrNoPlan, and `ferry advance` needs an explicit --partition P
// (ToPartition), which may lower the partition by any amount but not raise it
// without --force.
package batch
