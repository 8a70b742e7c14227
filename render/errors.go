package render

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors classify a failed render. Callers decide with errors.Is:
// the GitOps loop stalls on all of them (a render error applies nothing from
// that revision), and `ferry diff` maps them to its exit status.
var (
	// ErrOutsideRepo: a path or a symlink leads out of the repository.
	ErrOutsideRepo = errors.New("path leads outside the repository")
	// ErrRemoteBase: a kustomization refers to a URL (git base or HTTP file)
	// and Options.AllowRemoteBases is off.
	ErrRemoteBase = errors.New("remote bases are not allowed")
	// ErrUnsupported: a kustomize feature ferry turns off (Helm, exec and
	// container functions, a kustomization's own openapi schema).
	ErrUnsupported = errors.New("not supported by ferry")
	// ErrInvalidKustomization: a kustomization file that kustomize would
	// reject (bad YAML, unknown field, missing kustomization file).
	ErrInvalidKustomization = errors.New("invalid kustomization")
	// ErrMissingResource: a resource or component that is not in the tree.
	ErrMissingResource = errors.New("resource not found")
	// ErrInvalidYAML: a resource file that does not parse.
	ErrInvalidYAML = errors.New("invalid YAML")
	// ErrInvalidObject: an object that the API server (or OpenKruise's
	// webhook) would reject: no kind, no name, a bad int-or-percent.
	ErrInvalidObject = errors.New("invalid object")
	// ErrKustomize: kustomize itself failed (duplicate object, patch target
	// not found, ...); the message is kustomize's.
	ErrKustomize = errors.New("kustomize build failed")
	// ErrInjection: render-time SidecarSet injection failed.
	ErrInjection = errors.New("sidecar injection failed")
)

// Error is a failed render. It names what was being rendered (path and
// revision) and, where known, the file, line, object and field at fault, so
// a user can go straight to the line to fix.
//
//	render overlays/batch-1 at HEAD (1a2b3c4): overlays/batch-1/partition.yaml:
//	CloneSet default/demo: spec.updateStrategy.partition: "30" must be an
//	integer or a percent ("30%"): invalid object
type Error struct {
	Path     string // the kustomization path being rendered
	Revision string // what was rendered: "HEAD (1a2b3c4d5e6f)", "working tree /src/app"
	File     string // repository-relative file at fault, if known
	Line     int    // 1-based line in File, if known
	Object   string // "Kind namespace/name" of the object at fault, if any
	Field    string // dotted field path inside Object, if any
	Err      error  // cause; wraps one of the sentinel errors above
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "render %s", e.Path)
	if e.Revision != "" {
		fmt.Fprintf(&b, " at %s", e.Revision)
	}
	b.WriteString(": ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Object != "" {
		b.WriteString(e.Object)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// classified is an error whose message already says what it is (kustomize's
// "invalid Kustomization: ..."), marked with a sentinel for errors.Is
// without repeating it in the message.
type classified struct {
	kind error
	err  error
}

func classify(kind, err error) error { return &classified{kind: kind, err: err} }

func (c *classified) Error() string        { return c.err.Error() }
func (c *classified) Is(target error) bool { return target == c.kind }
func (c *classified) Unwrap() error        { return c.err }

// fileError is an error located in a file, before Build adds the path and
// revision. The preflight and the filesystem produce these.
type fileError struct {
	file string
	line int
	err  error
}

func (e *fileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.file, e.line, e.err)
	}
	return fmt.Sprintf("%s: %v", e.file, e.err)
}

func (e *fileError) Unwrap() error { return e.err }

// objectError is an error about one rendered object.
type objectError struct {
	object string
	field  string
	file   string
	err    error
}

func (e *objectError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.object, e.field, e.err)
}

func (e *objectError) Unwrap() error { return e.err }

// wrap turns any error from a render step into an *Error for path at rev,
// lifting file, line, object and field out of the typed errors above.
func wrap(path, rev string, err error) error {
	if err == nil {
		return nil
	}
	out := &Error{Path: path, Revision: rev, Err: err}
	var fe *fileError
	if errors.As(err, &fe) {
		out.File, out.Line, out.Err = fe.file, fe.line, fe.err
	}
	var oe *objectError
	if errors.As(err, &oe) {
		out.Object, out.Field, out.Err = oe.object, oe.field, oe.err
		if out.File == "" {
			out.File = oe.file
		}
	}
	return out
}
