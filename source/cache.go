package source

import (
	"fmt"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// snapshotKey identifies one cached checkout. Credentials are part of the
// key: a GitSync whose Secret cannot read the repository must not be served
// a commit that another GitSync's Secret fetched.
type snapshotKey struct {
	url  string
	ref  Ref
	auth string
}

// snapshot is one fetched commit and the store that holds its objects.
type snapshot struct {
	name   plumbing.ReferenceName
	commit *object.Commit
	tag    *object.Tag
}

// slot is a cache entry; mu serializes fetches of its key.
type slot struct {
	mu sync.Mutex
	*snapshot
	used uint64 // logical LRU clock, guarded by snapshotCache.mu
}

// holds reports whether the slot already has the commit target names.
func (s *slot) holds(target resolved) bool {
	return s.snapshot != nil && s.commit.Hash == target.Commit && s.name == target.Name
}

// result builds the Result for the slot's snapshot.
func (s *slot) result(lastRevision string, fetched bool) Result {
	h := s.commit.Hash
	return Result{
		Revision: revision(s.name, h),
		Hash:     h,
		RefName:  s.name,
		Commit:   s.commit,
		Tag:      s.tag,
		Changed:  !strings.EqualFold(RevisionHash(lastRevision), h.String()),
		Fetched:  fetched,
	}
}

// snapshotCache is a small LRU of slots.
type snapshotCache struct {
	mu    sync.Mutex
	max   int
	clock uint64
	slots map[snapshotKey]*slot
}

func newSnapshotCache(max int) *snapshotCache {
	return &snapshotCache{max: max, slots: map[snapshotKey]*slot{}}
}

// get returns the slot for k, creating it and evicting the least recently
// used slot when full. An evicted slot that a Fetch still holds finishes
// normally; its result is simply not cached.
func (c *snapshotCache) get(k snapshotKey) *slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	if s, ok := c.slots[k]; ok {
		s.used = c.clock
		return s
	}
	if len(c.slots) >= c.max {
		var oldest snapshotKey
		min := ^uint64(0)
		for key, s := range c.slots {
			if s.used < min {
				oldest, min = key, s.used
			}
		}
		delete(c.slots, oldest)
	}
	s := &slot{used: c.clock}
	c.slots[k] = s
	return s
}

func (c *snapshotCache) forget(url string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.slots {
		if k.url == url {
			delete(c.slots, k)
		}
	}
}

// loadSnapshot reads the fetched commit (and annotated tag) from st. For a
// named ref it trusts the fetched ref over the earlier listing: if the
// branch moved in between, the newer commit is the better answer.
func loadSnapshot(st *memory.Storage, target resolved) (*snapshot, error) {
	if target.Name == "" {
		c, err := object.GetCommit(st, target.Commit)
		if err != nil {
			return nil, fmt.Errorf("commit %s is not on the remote: %w", target.Commit, err)
		}
		return &snapshot{commit: c}, nil
	}
	ref, err := st.Reference(target.Name)
	if err != nil {
		return nil, fmt.Errorf("%s was not fetched: %w", target.Name, err)
	}
	snap := &snapshot{name: target.Name}
	if tag, err := object.GetTag(st, ref.Hash()); err == nil {
		snap.tag = tag
		if snap.commit, err = tag.Commit(); err != nil {
			return nil, fmt.Errorf("tag %s does not point to a commit: %w", target.Name, err)
		}
		return snap, nil
	}
	if snap.commit, err = object.GetCommit(st, ref.Hash()); err != nil {
		return nil, fmt.Errorf("%s: %w", target.Name, err)
	}
	return snap, nil
}
