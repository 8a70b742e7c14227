package advance

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for errors.Is. Refusals (ErrNotHealthy, ErrSharedFile,
// ErrCannotEdit) leave git untouched and say what to do; the batch package's
// ErrAlreadyAtBatch, ErrNotNextStep, ErrDone and ErrNoPlan pass through Plan
// unchanged, wrapped with the CloneSet's identity.
var (
	// ErrNotRendered: the path does not render the CloneSet.
	ErrNotRendered = errors.New("CloneSet not rendered")
	// ErrNotHealthy: the batch git holds now is not complete in the cluster
	// (or the cluster could not be read); --force skips the check.
	ErrNotHealthy = errors.New("current batch not healthy")
	// ErrCannotEdit: no single YAML value in the repository sets the
	// partition the render shows (a replacement, a generator, a remote
	// base, a patch shared by several CloneSets...).
	ErrCannotEdit = errors.New("partition cannot be edited in place")
	// ErrSharedFile: the value to edit is also rendered by other
	// kustomizations, which would advance too; --force edits it anyway.
	ErrSharedFile = errors.New("partition is set in a file other paths render")
	// ErrFileChanged: the file differs from the one the change was planned
	// on; plan again.
	ErrFileChanged = errors.New("file changed since the advance was planned")
)

// NotHealthyError says why the batch git holds now is not healthy.
type NotHealthyError struct {
	// Where is the position git holds, e.g. "batch 1 of 3 (partition 3)".
	Where string
	// Why is the cluster's reading, e.g. "InProgress (RollingOut): 1/5
	// updated and ready (batch wants 2), 5/5 ready, 6 pods".
	Why string
}

func (e *NotHealthyError) Error() string {
	return fmt.Sprintf("%s is not healthy: %s; use --force to advance anyway", e.Where, e.Why)
}

func (e *NotHealthyError) Is(target error) bool { return target == ErrNotHealthy }

// Attempt is one candidate value that was tried and rejected.
type Attempt struct {
	Site   Site
	Reason string // "no effect on the render", "also changes CloneSet default/other"
}

// CannotEditError lists what was found and why none of it will do.
type CannotEditError struct {
	Object string // "CloneSet default/demo"
	Path   string // the kustomize path
	Why    string // the overall reason
	Tried  []Attempt
}

func (e *CannotEditError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s: %s", e.Object, e.Path, e.Why)
	for _, a := range e.Tried {
		fmt.Fprintf(&b, "; %s: %s", a.Site, a.Reason)
	}
	b.WriteString("; nothing was changed")
	return b.String()
}

func (e *CannotEditError) Is(target error) bool { return target == ErrCannotEdit }

// SharedFileError names the other kustomizations that render the value.
type SharedFileError struct {
	Site Site
	Path string // the path being advanced
	// Others are the kustomization directories outside Path's own build
	// that read Site.File (at the point where they join it) and whose
	// render the edit changes.
	Others []string
}

func (e *SharedFileError) Error() string {
	return fmt.Sprintf("%s is also rendered by %s, which would advance too; "+
		"set the partition in a patch of %s instead, or use --force to change them all",
		e.Site, strings.Join(e.Others, ", "), e.Path)
}

func (e *SharedFileError) Is(target error) bool { return target == ErrSharedFile }
