package plan

// Options are the switches Kruise reads from feature gates and flags; ferry
// passes them in.
type Options struct {
	// PartitionRollback lets a raised partition move pods back to the
	// current revision (Kruise's CloneSetPartitionRollback gate). ferry turns
	// it on by default because git is the source of truth: a commit that
	// raises the partition means "fewer pods on the new revision". Off gives
	// Kruise's default: pods only ever move forward.
	PartitionRollback bool
	// ExcludePreparingDelete leaves pods in PreparingDelete out of the totals
	// that decide scaling, so replacements are created while their hooks run
	// (Kruise's --cloneset-scaling-exclude-preparing-delete flag). The CloneSet
	// label apps.kruise.io/cloneset-scaling-exclude-preparing-delete=true turns
	// it on for one CloneSet either way.
	ExcludePreparingDelete bool
}

// DefaultOptions are ferry's defaults: partition rollback on, PreparingDelete
// pods counted.
func DefaultOptions() Options {
	return Options{PartitionRollback: true}
}
