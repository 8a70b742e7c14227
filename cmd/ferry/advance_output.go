package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/advance"
	"github.com/ferry-gitops/ferry/rollout/batch"
	"github.com/ferry-gitops/ferry/source"
)

// advanceOutput is what `ferry advance` reports; -o json prints it as is.
type advanceOutput struct {
	Namespace string        `json:"namespace"`
	Name      string        `json:"name"`
	From      *positionJSON `json:"from,omitempty"`
	To        *positionJSON `json:"to,omitempty"`
	File      string        `json:"file,omitempty"`
	Line      int           `json:"line,omitempty"`
	Field     string        `json:"field,omitempty"`
	Health    string        `json:"health,omitempty"`
	Shared    []string      `json:"shared,omitempty"`
	Message   string        `json:"message,omitempty"`
	Branch    string        `json:"branch,omitempty"`
	Commit    string        `json:"commit,omitempty"`
	Parent    string        `json:"parent,omitempty"`
	Changed   bool          `json:"changed"`
	Pushed    bool          `json:"pushed"`
	DryRun    bool          `json:"dryRun,omitempty"`
	Note      string        `json:"note,omitempty"` // why nothing was done
	ch        *advance.Change
}

type positionJSON struct {
	Batch     int                `json:"batch,omitempty"`
	Of        int                `json:"of,omitempty"`
	Partition int32              `json:"partition"`
	Value     intstr.IntOrString `json:"value"`
}

func positionOf(p batch.Position) *positionJSON {
	return &positionJSON{Batch: p.Batch, Of: p.Total, Partition: p.Partition, Value: p.Value}
}

func (o *advanceOutput) change(ch *advance.Change) {
	o.ch = ch
	o.From, o.To = positionOf(ch.Step.From), positionOf(ch.Step.To)
	o.File, o.Line, o.Field = ch.Site.File, ch.Site.Line, ch.Site.Field
	o.Health = ch.Health.Summary(ch.Step.From)
	o.Shared = ch.Shared
	if o.Message == "" {
		o.Message = ch.Message()
	}
	if o.DryRun {
		o.Parent = ch.Parent.String()
	}
}

func (o *advanceOutput) result(res source.WriteBackResult) {
	if res.Changed {
		o.Commit, o.Parent = res.Hash.String(), res.Parent.String()
	}
	o.Changed, o.Pushed = res.Changed, res.Pushed
}

// print writes the report. Text, for a commit:
//
//	demo: batch 1 → 2 of 3 (partition 3 → 1); batch 1 healthy for 12m (5/5 ready)
//	edited base/cloneset.yaml:22 (spec.updateStrategy.partition of CloneSet demo)
//	committed 9f3e2a1 "rollout(default/demo): batch 2/3 (partition 3→1)" and pushed to main
func (o *advanceOutput) print(w io.Writer, format string) error {
	if format == "json" {
		b, err := json.MarshalIndent(o, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var b strings.Builder
	if o.ch == nil {
		fmt.Fprintf(&b, "%s: %s; nothing to commit\n", o.Name, o.Note)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%s: %s; %s\n", o.Name, o.ch.Step, o.Health)
	before, after := o.ch.Lines()
	fmt.Fprintf(&b, "edited %s:%d (%s)\n", o.File, o.Line, o.Field)
	if o.DryRun {
		fmt.Fprintf(&b, "-%s\n+%s\n", before, after)
	}
	if len(o.Shared) > 0 {
		fmt.Fprintf(&b, "warning: %s is also rendered by %s, which advance too (--force)\n", o.File, strings.Join(o.Shared, ", "))
	}
	short := o.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	switch {
	case o.DryRun:
		fmt.Fprintf(&b, "would commit %q on %s (dry run: nothing written)\n", o.Message, o.Branch)
	case o.Pushed:
		fmt.Fprintf(&b, "committed %s %q and pushed to %s\n", short, o.Message, o.Branch)
	default:
		fmt.Fprintf(&b, "committed %s %q on %s (not pushed; --push pushes it)\n", short, o.Message, o.Branch)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
