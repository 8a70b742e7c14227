package source

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestResolveRef(t *testing.T) {
	h := func(c string) plumbing.Hash { return plumbing.NewHash(strings.Repeat(c, 40)) }
	advertised := []*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		plumbing.NewHashReference("refs/heads/main", h("a")),
		plumbing.NewHashReference("refs/heads/dev", h("b")),
		plumbing.NewHashReference("refs/tags/v1", h("c")),    // annotated: the tag object
		plumbing.NewHashReference("refs/tags/v1^{}", h("d")), // the commit under it
		plumbing.NewHashReference("refs/tags/light", h("b")),
	}
	tests := []struct {
		ref    Ref
		want   resolved
		hasErr bool
	}{
		{Ref{}, resolved{Name: "refs/heads/main", Commit: h("a")}, false},
		{Ref{Branch: "dev"}, resolved{Name: "refs/heads/dev", Commit: h("b")}, false},
		{Ref{Branch: "refs/heads/dev"}, resolved{Name: "refs/heads/dev", Commit: h("b")}, false},
		{Ref{Tag: "v1"}, resolved{Name: "refs/tags/v1", Commit: h("d"), Tag: h("c")}, false},
		{Ref{Tag: "light"}, resolved{Name: "refs/tags/light", Commit: h("b")}, false},
		{Ref{Commit: strings.Repeat("e", 40)}, resolved{Commit: h("e")}, false},
		{Ref{Branch: "v1"}, resolved{}, true}, // a tag is not a branch
		{Ref{Tag: "main"}, resolved{}, true},
	}
	for _, tt := range tests {
		got, err := resolveRef(tt.ref, advertised)
		if (err != nil) != tt.hasErr || got != tt.want {
			t.Errorf("resolveRef(%s) = %+v, %v; want %+v (error %v)", tt.ref, got, err, tt.want, tt.hasErr)
		}
	}
	// HEAD pointing at a branch that is not advertised.
	broken := []*plumbing.Reference{plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/gone")}
	if _, err := resolveRef(Ref{}, broken); err == nil {
		t.Error("dangling HEAD resolved")
	}
}

func TestRefValidate(t *testing.T) {
	full := strings.Repeat("A", 40)
	tests := []struct {
		ref Ref
		ok  bool
	}{
		{Ref{}, true},
		{Ref{Branch: "main"}, true},
		{Ref{Tag: "v1"}, true},
		{Ref{Commit: full}, true},
		{Ref{Commit: full[:12]}, false},
		{Ref{Commit: strings.Repeat("g", 40)}, false},
		{Ref{Branch: "main", Commit: full}, false},
		{Ref{Branch: "main", Tag: "v1"}, false},
	}
	for _, tt := range tests {
		if err := tt.ref.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.Validate() = %v, want ok=%v", tt.ref, err, tt.ok)
		}
	}
}

func TestRevisionHash(t *testing.T) {
	for in, want := range map[string]string{
		"main@sha1:abc":      "abc",
		"sha1:abc":           "abc",
		"abc":                "abc",
		"feature/x@sha1:abc": "abc",
		"":                   "",
	} {
		if got := RevisionHash(in); got != want {
			t.Errorf("RevisionHash(%q) = %q, want %q", in, got, want)
		}
	}
}
