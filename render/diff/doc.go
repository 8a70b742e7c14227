// Package diff compares two renders of a GitOps repository and previews
// what the change will do: `ferry diff`.
//
//	p, err := diff.Run(ctx, diff.Request{Repo: ".", Base: "origin/main", Head: "HEAD",
//		Paths: []string{"overlays/prod"}}, diff.DefaultOptions())
//	// err: a *render.Error naming the file, line and revision
//	diff.WriteMarkdown(os.Stdout, p, diff.DefaultMarkdownOptions())
//	// p.HasChanges(): exit status 1
//
// It lives under render because it consumes renders: both revisions go
// through render.Build exactly as the GitOps loop renders them (kustomize,
// then render-time SidecarSet injection), and nothing here talks to a
// cluster except RunLive, through rollout/apply's dry-run. The rollout
// preview of each changed CloneSet is subpackage impact, which runs the
// engine's planner offline (rollout/cloneset/simulate).
//
// # The object diff
//
// Objects are matched by group, kind, namespace and name within a path
// (the version may change). Each pair is compared after Normalize, as
// decoded maps, so YAML formatting and key order are no change, and the
// fields the API server owns (status, uid, resourceVersion, ...) never are.
// Fields compares them recursively into FieldChanges with paths such as
// spec.template.spec.containers[name=app].image: lists of named items are
// matched by name. Secret values are masked unless CompareOptions.ShowSecrets.
//
// # Output
//
// WriteText (a CI log or terminal), WriteMarkdown (a pull-request comment,
// truncated to MarkdownOptions.MaxBytes by whole sections) and WriteJSON (a
// versioned schema, SchemaVersion, documented in docs/diff-in-ci.md). For
// the same inputs every format prints the same bytes: objects sort by path,
// apiVersion, kind, namespace and name, fields by path.
package diff
