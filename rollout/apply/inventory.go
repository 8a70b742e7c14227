package apply

import (
	"fmt"
	"sort"
)

// Inventory lists the objects ferry applied from one revision. The GitOps
// loop stores it in the GitSync status; the next revision's inventory is
// compared with it to find what left git (PruneCandidates). It is a plain
// value: building, comparing and serialising it touches no cluster.
//
// JSON form (Flux's, so the field names are short):
//
//	{"entries":[{"id":"default_app__ConfigMap","v":"v1"}, ...]}
type Inventory struct {
	Entries []InventoryEntry `json:"entries"`
}

// InventoryEntry is one object: its version-free ID (ObjectRef.ID) and the
// API version it was applied with, which is needed to address it again.
type InventoryEntry struct {
	ID      string `json:"id"`
	Version string `json:"v"`
}

// NewInventory builds an inventory from refs: one entry per ID, sorted by
// ID so that equal sets serialise identically. When an ID repeats, the last
// version wins.
func NewInventory(refs []ObjectRef) Inventory {
	byID := make(map[string]string, len(refs))
	for _, r := range refs {
		byID[r.ID()] = r.Version
	}
	inv := Inventory{Entries: make([]InventoryEntry, 0, len(byID))}
	for id, v := range byID {
		inv.Entries = append(inv.Entries, InventoryEntry{ID: id, Version: v})
	}
	sort.Slice(inv.Entries, func(i, j int) bool { return inv.Entries[i].ID < inv.Entries[j].ID })
	return inv
}

// InventoryOf is the inventory of an apply: every object of the change set
// except those that were skipped or deleted.
func InventoryOf(cs *ChangeSet) Inventory {
	var refs []ObjectRef
	if cs != nil {
		for _, e := range cs.Entries {
			if e.Action != Skipped && e.Action != Deleted {
				refs = append(refs, e.Ref)
			}
		}
	}
	return NewInventory(refs)
}

// Len is the number of objects.
func (inv Inventory) Len() int { return len(inv.Entries) }

// Refs returns the objects in apply order.
func (inv Inventory) Refs() ([]ObjectRef, error) {
	refs := make([]ObjectRef, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		r, err := ParseID(e.ID)
		if err != nil {
			return nil, err
		}
		r.Version = e.Version
		refs = append(refs, r)
	}
	SortRefs(refs)
	return refs, nil
}

// Merge returns the union of inv and refs (refs' versions win). The loop
// uses it to keep objects whose prune failed, so the next run retries them.
func (inv Inventory) Merge(refs ...ObjectRef) (Inventory, error) {
	all, err := inv.Refs()
	if err != nil {
		return Inventory{}, err
	}
	return NewInventory(append(all, refs...)), nil
}

// PruneCandidates returns the objects of previous that are not in current
// (compared by ID, so a version change is not a removal), in prune order.
//
//	previous            current           -> candidates
//	{cm/a, deploy/b}    {deploy/b}        -> {cm/a}
//	{cm/a@v1}           {cm/a@v2}         -> {}
//	{}                  {cm/a}            -> {}
func PruneCandidates(previous, current Inventory) ([]ObjectRef, error) {
	keep := make(map[string]bool, len(current.Entries))
	for _, e := range current.Entries {
		if _, err := ParseID(e.ID); err != nil {
			return nil, fmt.Errorf("current inventory: %w", err)
		}
		keep[e.ID] = true
	}
	var out []ObjectRef
	for _, e := range previous.Entries {
		r, err := ParseID(e.ID)
		if err != nil {
			return nil, fmt.Errorf("previous inventory: %w", err)
		}
		if keep[e.ID] {
			continue
		}
		r.Version = e.Version
		out = append(out, r)
	}
	SortRefsForPrune(out)
	return out, nil
}
