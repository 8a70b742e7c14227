package apply

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	// ErrInvalidID marks an inventory ID that does not parse.
	ErrInvalidID = errors.New("invalid inventory id")
	// ErrUnknownKind marks an object whose kind the cluster does not serve
	// and no CustomResourceDefinition in the same set defines.
	ErrUnknownKind = errors.New("kind is not served by the cluster")
	// ErrNoNamespace marks a namespaced object with no namespace while no
	// default namespace was given.
	ErrNoNamespace = errors.New("namespaced object has no namespace and no default namespace is set")
	// ErrDuplicate marks an object that appears twice in one set.
	ErrDuplicate = errors.New("object appears more than once")
	// ErrInvalidObject marks an object without apiVersion, kind or name.
	ErrInvalidObject = errors.New("object has no apiVersion, kind or name")
)

// ObjectError is a failure about one object: the apiserver's rejection of a
// dry-run, an apply or a delete, or one of ferry's own checks. Its message
// starts with the object, e.g.
//
//	Deployment t1/web: dry-run: Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0
//
// and Causes carries the fields and messages the apiserver listed.
type ObjectError struct {
	Ref ObjectRef
	// Op is what failed: "dry-run", "apply", "get", "delete", "wait".
	Op     string
	Causes []metav1.StatusCause
	Err    error
}

func newObjectError(ref ObjectRef, op string, err error) *ObjectError {
	e := &ObjectError{Ref: ref, Op: op, Err: err}
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Details != nil {
		e.Causes = st.Status().Details.Causes
	}
	return e
}

func (e *ObjectError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Ref.Describe(), e.Op, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// ValidationError says a revision was rejected before ferry wrote any of its
// objects (except, when the set defines CRDs or Namespaces, those
// definitions: see the package documentation). The caller keeps the last
// good revision and reports every failure.
type ValidationError struct {
	// Total is the number of objects in the set.
	Total  int
	Errors []*ObjectError
	// Applied lists the CRDs and Namespaces written before objects that
	// depend on them failed their dry-run; empty when nothing was written.
	Applied []ObjectRef
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, oe := range e.Errors {
		msgs[i] = oe.Error()
	}
	written := "nothing applied"
	if len(e.Applied) > 0 {
		written = fmt.Sprintf("only the %d CustomResourceDefinitions and Namespaces before them applied", len(e.Applied))
	}
	return fmt.Sprintf("%d of %d objects failed validation, %s: %s",
		len(e.Errors), e.Total, written, strings.Join(msgs, "; "))
}

// Unwrap exposes each object's error to errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, oe := range e.Errors {
		out[i] = oe
	}
	return out
}

// ApplyError says the set passed validation but a write failed afterwards
// (a conflict with a concurrent change, the apiserver going away): the
// objects before it in the change set were written, the rest were not.
// Unlike a ValidationError, retrying later may succeed.
type ApplyError struct {
	Errors []*ObjectError
}

func (e *ApplyError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, oe := range e.Errors {
		msgs[i] = oe.Error()
	}
	return "apply failed: " + strings.Join(msgs, "; ")
}

// Unwrap exposes each object's error.
func (e *ApplyError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, oe := range e.Errors {
		out[i] = oe
	}
	return out
}

// EmptyRenderError is Prune's refusal to delete everything because the new
// render has no objects at all, which is far more often a broken path or
// overlay than an intent. PruneOptions.AllowEmpty overrides it.
type EmptyRenderError struct {
	// Count is how many objects the previous inventory holds.
	Count int
}

func (e *EmptyRenderError) Error() string {
	return fmt.Sprintf("render is empty; refusing to prune %d objects", e.Count)
}

// PruneError lists the objects whose deletion failed. Prune carries on past
// them; the caller keeps them in the inventory (Inventory.Merge) so the next
// run tries again.
type PruneError struct {
	Errors []*ObjectError
}

func (e *PruneError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, oe := range e.Errors {
		msgs[i] = oe.Error()
	}
	return fmt.Sprintf("prune failed for %d objects: %s", len(e.Errors), strings.Join(msgs, "; "))
}

// Unwrap exposes each object's error.
func (e *PruneError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, oe := range e.Errors {
		out[i] = oe
	}
	return out
}

// Refs lists the objects that were not pruned.
func (e *PruneError) Refs() []ObjectRef {
	out := make([]ObjectRef, len(e.Errors))
	for i, oe := range e.Errors {
		out[i] = oe.Ref
	}
	return out
}
