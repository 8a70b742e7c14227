package schedule

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Schedule is spec.schedule of a GitSync: when changes may be applied
// (Windows) and when ferry itself commits the next batch (Advance).
//
//	schedule:
//	  timeZone: Europe/Amsterdam
//	  windows:
//	    - {kind: Allow, cron: "0 2 * * 2-4", duration: 2h}
//	    - {kind: Deny, dates: ["2026-12-24", "2026-12-25"]}
//	  advance:
//	    - {cron: "*/30 2-3 * * 2-4", requireHealthyFor: 15m}
//
// +kubebuilder:object:generate=true
type Schedule struct {
	// TimeZone is the IANA time zone the cron specs and dates are read in,
	// e.g. Europe/Amsterdam. Defaults to UTC.
	// +optional
	TimeZone string `json:"timeZone,omitempty"`

	// Windows say when changes may be applied. Deny windows win over Allow
	// windows; with no Allow window at all, every time outside Deny windows
	// is open.
	// +optional
	Windows []Window `json:"windows,omitempty"`

	// Advance triggers make ferry commit the next batch at their cron ticks,
	// when a window is open and the current batch has been healthy long
	// enough.
	// +optional
	Advance []AdvanceTrigger `json:"advance,omitempty"`
}

// WindowKind is Allow or Deny.
// +kubebuilder:validation:Enum=Allow;Deny
type WindowKind string

const (
	WindowAllow WindowKind = "Allow"
	WindowDeny  WindowKind = "Deny"
)

// Window is a recurring stretch of time (a cron tick plus a duration) or a
// list of whole days, in the schedule's time zone. Exactly one of Cron and
// Dates is set.
// +kubebuilder:object:generate=true
type Window struct {
	// Kind is Allow or Deny.
	Kind WindowKind `json:"kind"`

	// Cron is a 5-field cron spec; the window opens at each tick.
	// +optional
	Cron string `json:"cron,omitempty"`

	// Duration is how long the window stays open after each tick; required
	// with Cron, and more than 0.
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`

	// Dates are whole local days, as YYYY-MM-DD, e.g. a holiday freeze.
	// +optional
	Dates []string `json:"dates,omitempty"`
}

// AdvanceTrigger commits the next batch at its cron ticks.
// +kubebuilder:object:generate=true
type AdvanceTrigger struct {
	// Cron is a 5-field cron spec.
	Cron string `json:"cron"`

	// RequireHealthyFor is how long the current batch must have been healthy
	// at the tick; 0 or unset means healthy now.
	// +optional
	RequireHealthyFor *metav1.Duration `json:"requireHealthyFor,omitempty"`
}

// Status is status.schedule of a GitSync. Calendar.Status fills the window
// and tick fields; the caller keeps LastEvaluated from Decision.
// +kubebuilder:object:generate=true
type Status struct {
	// State is Open or Closed at the time of the status.
	State string `json:"state,omitempty"`
	// Reason says why, e.g. DenyWindow or OutsideAllowWindows.
	// +optional
	Reason string `json:"reason,omitempty"`
	// +optional
	NextOpen *metav1.Time `json:"nextOpen,omitempty"`
	// +optional
	NextClose *metav1.Time `json:"nextClose,omitempty"`
	// NextAdvance is the next advance tick.
	// +optional
	NextAdvance *metav1.Time `json:"nextAdvance,omitempty"`
	// LastEvaluated is Decision.EvaluatedThrough of the last advance
	// decision; pass it back as AdvanceInput.LastEvaluated.
	// +optional
	LastEvaluated *metav1.Time `json:"lastEvaluated,omitempty"`
}
