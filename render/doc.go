// Package render turns a kustomization path at a git revision into the
// objects ferry applies: the kustomize build of that path, read from the
// commit's tree in memory, with every SidecarSet of the render injected into
// the pod templates it selects.
//
//	src, _ := render.Open(ctx, ".", "HEAD")          // or render.FromCommit(c, "main")
//	res, err := render.Build(ctx, src, "overlays/batch-1", render.DefaultOptions())
//	// res.Objects, res.YAML, res.Provenance; err is a *render.Error
//
// # Where files come from
//
// A Source is a repository snapshot: a git tree (FromTree, FromCommit, or
// Open of a local repository or a URL), or a directory on disk (FromDir, or
// Open with an empty revision: a working tree with its uncommitted changes).
// Build reads it through a read-only kustomize filesystem that mounts the
// repository at "/". Nothing is checked out and nothing outside the
// repository can be read: ".." stops at the root, a path that climbs above it
// or a symlink that points out of it is ErrOutsideRepo, and symlinks inside
// the repository resolve within the tree.
//
// # What kustomize may do
//
// Kustomize runs in-process (krusty) with plugins off (built-ins only: no exec
// or container functions) and kubectl's load restrictor (files below each
// kustomization; Options.LoadRestrictions). Remote bases and HTTP files are
// refused unless Options.AllowRemoteBases; Helm charts and a kustomization's
// own openapi schema are refused. A preflight walks every kustomization
// before kustomize runs, to enforce this and to name the file and line of a
// bad kustomization or resource. Components are supported.
//
// Kustomize knows the OpenKruise schema (see schema.go): strategic-merge
// patches merge CloneSet and SidecarSet containers by name, and the
// namespace transformer leaves cluster-scoped SidecarSets alone.
//
// # Output
//
// Objects come out in kustomize's legacy order (Namespaces, CRDs and other
// cluster basics first, webhooks last, the rest by group, version, kind,
// namespace and name), or as the root kustomization's sortOptions says; keys
// are sorted. A render is a pure function of the snapshot: two renders of one
// commit are byte-identical, and where no ferry feature is involved (no
// SidecarSet, no cluster-scoped Kruise kind under a namespace) the YAML is
// what `kubectl kustomize` prints for the same directory.
//
// # Errors
//
// A render either returns every object or an *Error and nothing else. The
// error names the path and revision, and where known the file, line, object
// and field; its sentinel (ErrInvalidKustomization, ErrInvalidYAML,
// ErrMissingResource, ErrInvalidObject, ErrOutsideRepo, ErrRemoteBase,
// ErrUnsupported, ErrKustomize, ErrInjection) is matched with errors.Is.
// Rendered CloneSets are validated as OpenKruise's webhook would: partition,
// maxSurge and maxUnavailable strings must be percents.
//
// Kustomize prints deprecation warnings (patchesStrategicMerge, bases, ...)
// to the process's standard error; it offers no way to send them elsewhere.
package render
