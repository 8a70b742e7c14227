package source

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Ref selects what to sync: at most one of Branch, Tag or Commit. With none
// set, the remote's default branch (its HEAD) is used.
type Ref struct {
	// Branch name, "main" or "refs/heads/main".
	Branch string `json:"branch,omitempty"`
	// Tag name, lightweight or annotated, "v1.2.0" or "refs/tags/v1.2.0".
	Tag string `json:"tag,omitempty"`
	// Commit is a full 40-character SHA-1. A pinned commit never changes,
	// so once it is cached a poll costs no request at all.
	Commit string `json:"commit,omitempty"`
}

// Validate checks the Ref without talking to a server.
func (r Ref) Validate() error {
	set := 0
	for _, v := range []string{r.Branch, r.Tag, r.Commit} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return fmt.Errorf("ref %s: set only one of branch, tag or commit", r)
	}
	if r.Commit != "" && !isFullHash(r.Commit) {
		return fmt.Errorf("ref commit %q: want the full 40-character hex SHA-1", r.Commit)
	}
	return nil
}

// String describes the Ref for messages: "branch main", "tag v1", "HEAD".
func (r Ref) String() string {
	switch {
	case r.Branch != "" && r.Tag == "" && r.Commit == "":
		return "branch " + r.Branch
	case r.Tag != "" && r.Branch == "" && r.Commit == "":
		return "tag " + r.Tag
	case r.Commit != "" && r.Branch == "" && r.Tag == "":
		return "commit " + r.Commit
	case r.Branch == "" && r.Tag == "" && r.Commit == "":
		return "HEAD"
	}
	return fmt.Sprintf("{branch %q, tag %q, commit %q}", r.Branch, r.Tag, r.Commit)
}

// name is the full reference name the Ref asks for ("" for a commit).
func (r Ref) name() plumbing.ReferenceName {
	switch {
	case r.Branch != "":
		return fullName(r.Branch, "refs/heads/")
	case r.Tag != "":
		return fullName(r.Tag, "refs/tags/")
	case r.Commit != "":
		return ""
	}
	return plumbing.HEAD
}

func fullName(short, prefix string) plumbing.ReferenceName {
	if strings.HasPrefix(short, prefix) {
		return plumbing.ReferenceName(short)
	}
	return plumbing.ReferenceName(prefix + short)
}

// resolved is a Ref pinned to objects on the server.
type resolved struct {
	// Name is the reference that was matched: refs/heads/main,
	// refs/tags/v1; for HEAD, the branch HEAD points to. Empty for a commit.
	Name plumbing.ReferenceName
	// Commit is the commit to sync.
	Commit plumbing.Hash
	// Tag is the annotated tag object, zero for lightweight tags and branches.
	Tag plumbing.Hash
}

// resolveRef finds ref in the advertised references of an ls-remote made
// with peeled tags appended ("refs/tags/v1^{}" gives the commit under an
// annotated tag). It is pure, so the loop's decision is table-tested.
func resolveRef(ref Ref, advertised []*plumbing.Reference) (resolved, error) {
	if ref.Commit != "" {
		return resolved{Commit: plumbing.NewHash(ref.Commit)}, nil
	}
	byName := make(map[plumbing.ReferenceName]*plumbing.Reference, len(advertised))
	for _, r := range advertised {
		byName[r.Name()] = r
	}
	name := ref.name()
	r, ok := byName[name]
	if !ok {
		return resolved{}, fmt.Errorf("%s does not exist on the remote", ref)
	}
	if r.Type() == plumbing.SymbolicReference { // HEAD -> refs/heads/main
		name = r.Target()
		if r, ok = byName[name]; !ok || r.Type() != plumbing.HashReference {
			return resolved{}, fmt.Errorf("%s points to %s, which does not exist", ref, name)
		}
	}
	out := resolved{Name: name, Commit: r.Hash()}
	if peeled, ok := byName[name+"^{}"]; ok {
		out.Tag, out.Commit = r.Hash(), peeled.Hash()
	}
	return out, nil
}

// Revision renders a resolved commit the way Flux does, so status fields
// read the same: "main@sha1:<hex>", "v1.2.0@sha1:<hex>", or "sha1:<hex>"
// for a pinned commit.
func revision(name plumbing.ReferenceName, commit plumbing.Hash) string {
	if name == "" || name == plumbing.HEAD {
		return "sha1:" + commit.String()
	}
	return name.Short() + "@sha1:" + commit.String()
}

// RevisionHash extracts the commit hash from a revision string made by
// Fetch, or accepts a bare hash. "main@sha1:ab12…" -> "ab12…".
func RevisionHash(rev string) string {
	if i := strings.LastIndex(rev, "sha1:"); i >= 0 {
		return rev[i+len("sha1:"):]
	}
	return rev
}

func isFullHash(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
