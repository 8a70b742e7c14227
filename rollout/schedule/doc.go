// Package schedule decides when ferry may apply changes and when it commits
// the next batch on its own, from spec.schedule of a GitSync. It is pure:
// every decision takes the time as an argument, and the Clock interface is
// for the loops that call it, so tests run on a fake clock in milliseconds.
//
// Windows gate: Allow windows open at each cron tick for their duration, Deny
// windows likewise or for whole local days (dates). Deny wins over Allow; no
// Allow window at all means open except in Deny windows. Calendar.State says
// open or closed, why, and until when.
//
// Advance triggers act: at each cron tick ferry commits the next batch if the
// window is open and the batch has been healthy for requireHealthyFor
// (Calendar.Decide). A tick that fails those checks is skipped, not kept
// pending; frequent ticks ("*/30 2-3 * * 2-4") give several chances in a
// night. Ticks missed while ferry was down are never replayed in a burst: at
// most one decision is made for all of them, and only if the latest missed
// tick is recent (Options.MaxLateness).
//
// Cron specs are read with robfig/cron and their ticks corrected for
// daylight-saving transitions (see Cron): a tick whose wall time is skipped
// fires once at the jump, a repeated wall time fires once.
package schedule

// The API types (Schedule, Window, AdvanceTrigger, Status) are embedded in
// the GitSync CRD type; their DeepCopy methods are generated:
//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.20.1 object paths=./
