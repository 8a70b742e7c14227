package gitsync

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/schedule"
)

// TableOptions shape `ferry status` output.
type TableOptions struct {
	// AllNamespaces adds a NAMESPACE column.
	AllNamespaces bool
	// Bars draws progress bars (for a terminal); otherwise counts only.
	Bars bool
	// Now is the reference time for AGE.
	Now time.Time
}

// WriteTable prints GitSyncs the way kubectl prints objects, then one line
// per CloneSet under each GitSync with its batch and pods:
//
//	NAME   REVISION       READY   STATUS                     BATCH   AGE
//	app    main@a1b2c3d   True    Applied; demo batch 1/3    1/3     4m
//	  CloneSet default/demo   batch 1 of 3 (partition 3)   2/5 updated, 5 ready, 5 total   held
func WriteTable(w io.Writer, items []v1alpha1.GitSync, opts TableOptions) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	header := "NAME\tREVISION\tREADY\tSTATUS\tBATCH\tAGE"
	if opts.AllNamespaces {
		header = "NAMESPACE\t" + header
	}
	fmt.Fprintln(tw, header)
	for _, gs := range items {
		st, _, msg := readyCondition(gs.Status)
		if st == "" {
			st, msg = "Unknown", "Waiting for the first sync"
		}
		if gs.Spec.Suspend {
			msg = "Suspended; " + msg
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", gs.Name, orNone(ShortRevision(gs.Status.LastAppliedRevision)),
			st, oneLine(msg, 60), orNone(gs.Status.BatchSummary), age(gs.CreationTimestamp.Time, opts.Now))
		if opts.AllNamespaces {
			row = gs.Namespace + "\t" + row
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, gs := range items {
		for _, b := range gs.Status.Batches {
			if _, err := fmt.Fprintln(w, batchLine(b, opts.Bars)); err != nil {
				return err
			}
		}
		if line := scheduleLine(gs.Status.Schedule); line != "" {
			if _, err := fmt.Fprintln(w, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// scheduleLine says whether the window is open, until when, and when
// ferry next advances a batch on its own:
//
//	Schedule: Closed (OutsideAllowWindows) until 2026-12-01 02:00 UTC; next advance 2026-12-01 02:30 UTC
func scheduleLine(st *schedule.Status) string {
	if st == nil || st.State == "" {
		return ""
	}
	line := "  Schedule: " + st.State
	if st.Reason != "" {
		line += " (" + st.Reason + ")"
	}
	until := st.NextClose
	if st.State != "Open" {
		until = st.NextOpen
	}
	if until != nil {
		line += " until " + until.UTC().Format("2006-01-02 15:04 MST")
	}
	if st.NextAdvance != nil {
		line += "; next advance " + st.NextAdvance.UTC().Format("2006-01-02 15:04 MST")
	}
	return line
}

// batchLine is one CloneSet's progress.
func batchLine(b v1alpha1.BatchStatus, bars bool) string {
	where := b.Message
	if i := strings.Index(where, ":"); i > 0 {
		where = where[:i]
	}
	counts := fmt.Sprintf("%d/%d updated, %d ready, %d total", b.Updated, b.Desired, b.Ready, b.Replicas)
	if bars {
		counts = bar(int(b.Updated), int(b.Desired), 20) + " " + counts
	}
	state := "rolling"
	switch {
	case b.Healthy && b.Partition > 0:
		state = "held"
	case b.Healthy:
		state = "done"
	}
	return fmt.Sprintf("  CloneSet %s/%s  %s  %s  %s", b.Namespace, b.Name, where, counts, state)
}

func bar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat("-", width) + "]"
	}
	n := done * width / total
	if n > width {
		n = width
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}

func readyCondition(st v1alpha1.GitSyncStatus) (status, reason, msg string) {
	for _, c := range st.Conditions {
		if c.Type == TypeReady {
			return string(c.Status), c.Reason, c.Message
		}
	}
	return "", "", ""
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > max {
		return s[:max-3] + "..."
	}
	return s
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}
