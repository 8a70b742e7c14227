package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
)

// WriteJSON prints {"steps":[...]}: for each step its plan (the ten diff
// fields), its actions and its pod counts, followed by a newline.
func WriteJSON(w io.Writer, res *Result) error {
	steps := res.Steps
	if steps == nil {
		steps = []Step{}
	}
	b, err := json.Marshal(struct {
		Steps []Step `json:"steps"`
	}{steps})
	if err != nil {
		return fmt.Errorf("encode simulation: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteText prints a table of the steps and a one-line summary, e.g.
//
//	STEP  PHASE   PLAN                                  CREATE  DELETE  UPDATE  TOTAL  UPDATED  READY
//	0     Scale   scaleUp=1 limit=1 surge=1 update=2    1       0       0       6      1        5
//	...
//	2 of 5 pods move, at most 6 pods, at least 5 available; 3 steps, in place
func WriteText(w io.Writer, title string, res *Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if title != "" {
		fmt.Fprintln(tw, title)
	}
	if len(res.Steps) == 0 {
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, SummaryLine(res.Summary))
		return err
	}
	fmt.Fprintln(tw, "STEP\tPHASE\tPLAN\tCREATE\tDELETE\tUPDATE\tTOTAL\tUPDATED\tREADY")
	for i, s := range res.Steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", i, s.Phase, Highlights(s.Plan),
			s.Actions.Create, s.Actions.Delete, s.Actions.Update, s.Pods.Total, s.Pods.Updated, s.Pods.Ready)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, SummaryLine(res.Summary))
	return err
}

// SummaryLine says the rollout in one line:
// "3 of 10 pods move, at most 12 pods, at least 9 available; 7 steps, in place".
func SummaryLine(s Summary) string {
	how := "recreated"
	if s.InPlace {
		how = "in place"
	}
	if s.Steps == 0 {
		return fmt.Sprintf("nothing to do: %d pods, %d updated", s.FinalTotal, s.FinalUpdated)
	}
	steps := "steps"
	if s.Steps == 1 {
		steps = "step"
	}
	return fmt.Sprintf("%d of %d pods move, at most %d pods, at least %d available; %d %s, %s",
		s.PodsMoved, s.Replicas, s.PeakTotal, s.MinAvailable, s.Steps, steps, how)
}

// Highlights is the non-zero part of a diff in short words, "-" when all zero.
func Highlights(d plan.Diff) string {
	var parts []string
	add := func(name string, v int) {
		if v != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", name, v))
		}
	}
	add("scaleUp", d.ScaleUpNum)
	add("scaleUpOld", d.ScaleUpNumOldRevision)
	add("scaleDown", d.ScaleDownNum)
	add("scaleDownOld", d.ScaleDownNumOldRevision)
	add("upLimit", d.ScaleUpLimit)
	add("deleteReady", d.DeleteReadyLimit)
	add("surge", d.UseSurge)
	add("surgeOld", d.UseSurgeOldRevision)
	add("update", d.UpdateNum)
	add("updateUnavail", d.UpdateMaxUnavailable)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// Title describes the CloneSet's rollout settings in one line.
func Title(namespace, name string, strategy string, k plan.Knobs, paused bool) string {
	if strategy == "" {
		strategy = "ReCreate"
	}
	s := fmt.Sprintf("CloneSet %s/%s: %d replicas, partition %d, maxSurge %d, maxUnavailable %d, %s",
		namespace, name, k.Replicas, k.Partition, k.MaxSurge, k.MaxUnavailable, strategy)
	if paused {
		s += ", paused"
	}
	return s
}
