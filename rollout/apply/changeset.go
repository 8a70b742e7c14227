package apply

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Action is what Apply, Diff or Prune did (or, for Diff, would do) to one
// object.
type Action string

const (
	// Created: the object did not exist and was created.
	Created Action = "created"
	// Configured: the object existed and differed from git; ferry wrote it.
	Configured Action = "configured"
	// Unchanged: the dry-run result equals the live object; nothing was
	// written.
	Unchanged Action = "unchanged"
	// Deleted: the object left git and was deleted (or was already gone).
	Deleted Action = "deleted"
	// Skipped: the object left git but was kept; Reason says why.
	Skipped Action = "skipped"
)

// ChangeSetEntry is the outcome for one object.
type ChangeSetEntry struct {
	Ref    ObjectRef
	Action Action
	// Reason explains a Skipped entry (or an unusual Deleted one), e.g.
	// "prune disabled by annotation ferry.dev/prune".
	Reason string
	// Live is the object in the cluster, without managedFields: for Apply,
	// as it is after the apply (the server's answer to the write, or the
	// object read when nothing drifted), so a caller can read its health
	// without asking again; for Diff, as it is before (nil when it does not
	// exist).
	Live *unstructured.Unstructured
	// Merged is filled by Diff only: the server's dry-run result of applying
	// git's copy. `ferry diff --live` prints the difference from Live.
	Merged *unstructured.Unstructured
}

// String prints an entry the way Flux and kubectl users read it, e.g.
// "CloneSet/default/demo configured" or
// "ConfigMap/default/keep skipped (prune disabled by annotation ferry.dev/prune)".
func (e ChangeSetEntry) String() string {
	s := e.Ref.String() + " " + string(e.Action)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// ChangeSet is the ordered outcome of one Apply, Diff or Prune: entries come
// in the order the objects were (or would be) written.
type ChangeSet struct {
	Entries []ChangeSetEntry
}

// Add appends entries.
func (c *ChangeSet) Add(e ...ChangeSetEntry) {
	c.Entries = append(c.Entries, e...)
}

// String prints one entry per line.
func (c *ChangeSet) String() string {
	if c == nil {
		return ""
	}
	lines := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}

// Count returns how many entries have the action.
func (c *ChangeSet) Count(a Action) int {
	if c == nil {
		return 0
	}
	n := 0
	for _, e := range c.Entries {
		if e.Action == a {
			n++
		}
	}
	return n
}

// HasChanges reports whether anything was (or would be) written or deleted.
func (c *ChangeSet) HasChanges() bool {
	return c.Count(Created)+c.Count(Configured)+c.Count(Deleted) > 0
}

// Refs lists the entries' objects in order.
func (c *ChangeSet) Refs() []ObjectRef {
	if c == nil {
		return nil
	}
	refs := make([]ObjectRef, len(c.Entries))
	for i, e := range c.Entries {
		refs[i] = e.Ref
	}
	return refs
}

// Entry returns the entry of the object with the given ID (see
// ObjectRef.ID), if any.
func (c *ChangeSet) Entry(id string) (ChangeSetEntry, bool) {
	if c != nil {
		for _, e := range c.Entries {
			if e.Ref.ID() == id {
				return e, true
			}
		}
	}
	return ChangeSetEntry{}, false
}
