package sidecar

import (
	"errors"
	"fmt"
)

// ErrInvalidSidecarSet is matched (errors.Is) by every FieldError: the
// SidecarSet, or a pair of SidecarSets, cannot be injected as written.
var ErrInvalidSidecarSet = errors.New("invalid SidecarSet")

// FieldError names the SidecarSet (and, for a conflict, the other SidecarSet)
// and the field that makes injection impossible, in the words of Kruise's
// validating webhook where it has one.
type FieldError struct {
	SidecarSet string `json:"sidecarSet"`      // name of the SidecarSet at fault
	Other      string `json:"other,omitempty"` // the other SidecarSet of a conflict, or ""
	Field      string `json:"field"`           // field path, e.g. spec.containers[0].name
	Message    string `json:"message"`
}

func (e *FieldError) Error() string {
	if e.Other != "" {
		return fmt.Sprintf("SidecarSet %q conflicts with SidecarSet %q: %s: %s", e.SidecarSet, e.Other, e.Field, e.Message)
	}
	return fmt.Sprintf("SidecarSet %q: %s: %s", e.SidecarSet, e.Field, e.Message)
}

// Is makes errors.Is(err, ErrInvalidSidecarSet) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidSidecarSet }

func fieldErr(set, field, format string, args ...any) *FieldError {
	return &FieldError{SidecarSet: set, Field: field, Message: fmt.Sprintf(format, args...)}
}

func conflictErr(set, other, field, format string, args ...any) *FieldError {
	return &FieldError{SidecarSet: set, Other: other, Field: field, Message: fmt.Sprintf(format, args...)}
}
