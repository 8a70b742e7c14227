package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	"github.com/ferry-gitops/ferry/rollout/cloneset/simulate"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

func newRolloutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Inspect CloneSet rollouts",
	}
	cmd.AddCommand(newRolloutSimulateCommand())
	return cmd
}

const rolloutSimulateLong = `Run ferry's CloneSet rollout planner offline and print each step until the
rollout settles (a pass that has nothing to do).

Each step is one engine pass: scale first, update only if it did not scale.
Between steps every pod becomes ready and available. A step's PLAN is the
diff as the scale phase computes it; its actions count pods created, deleted
and updated (a ReCreate update counts as an update when the pod is marked
specified-delete; its deletion is a delete in a later step); its pod counts
are taken right after the actions, before any pod becomes ready.

Without --pods, the CloneSet starts with spec.replicas ready pods at the
current revision. The pods file (YAML or JSON) describes other starting points:

  currentRevision: current        # "update": status.currentRevision is already the new one
  pods:
  - {name: demo-0, revision: update}
  - {name: demo-1, revision: current, ready: false}
  - {name: demo-2, revision: current, specifiedDelete: true}
  - {name: demo-3, revision: current, lifecycleState: PreparingDelete}

"update" is the revision of the CloneSet's template, "current" an older one.
InPlaceIfPossible and InPlaceOnly are taken to roll in place, unless --from
gives the CloneSet before the change: then the two templates decide.`

const rolloutSimulateExample = `  # How does the new partition roll out from 5 pods on the old revision?
  ferry rollout simulate -f cloneset.yaml

  # Start from a given set of pods, print JSON
  ferry rollout simulate -f cloneset.yaml --pods pods.yaml -o json

  # Decide in place or recreate from the template change
  ferry rollout simulate -f new/cloneset.yaml --from old/cloneset.yaml`

type rolloutSimulateFlags struct {
	file, pods, from, output string
	noPartitionRollback      bool
}

func newRolloutSimulateCommand() *cobra.Command {
	var f rolloutSimulateFlags
	cmd := &cobra.Command{
		Use:     "simulate -f cloneset.yaml [--pods pods.yaml] [--from old-cloneset.yaml] [-o text|json]",
		Short:   "Run the rollout planner offline and print each step",
		Long:    rolloutSimulateLong,
		Example: rolloutSimulateExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRolloutSimulate(cmd, f)
		},
	}
	cmd.Flags().StringVarP(&f.file, "filename", "f", "", "CloneSet manifest (YAML or JSON; the one CloneSet in a multi-document file)")
	cmd.Flags().StringVar(&f.pods, "pods", "", "pods file describing the starting pods (default: spec.replicas ready pods at the current revision)")
	cmd.Flags().StringVar(&f.from, "from", "", "the CloneSet before the change, for in-place eligibility")
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&f.noPartitionRollback, "no-partition-rollback", false, "raising the partition does not move pods back (Kruise's default)")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func runRolloutSimulate(cmd *cobra.Command, f rolloutSimulateFlags) error {
	if f.output != "text" && f.output != "json" {
		return fmt.Errorf("--output %q: want text or json", f.output)
	}
	cs, err := readCloneSet(f.file)
	if err != nil {
		return err
	}
	opts := simulate.DefaultOptions()
	opts.Plan.PartitionRollback = !f.noPartitionRollback
	if f.from != "" {
		if opts.From, err = readCloneSet(f.from); err != nil {
			return err
		}
	}
	sc := simulate.DefaultScenario(int(*cs.Spec.Replicas))
	if f.pods != "" {
		data, err := os.ReadFile(f.pods)
		if err != nil {
			return fmt.Errorf("read pods file: %w", err)
		}
		if sc, err = simulate.LoadScenario(data); err != nil {
			return fmt.Errorf("%s: %w", f.pods, err)
		}
	}
	res, err := simulate.Run(cs, sc, opts)
	if err != nil {
		return err
	}
	if f.output == "json" {
		return simulate.WriteJSON(cmd.OutOrStdout(), res)
	}
	title := simulate.Title(cs.Namespace, cs.Name, string(cs.Spec.UpdateStrategy.Type), res.Knobs, cs.Spec.UpdateStrategy.Paused)
	return simulate.WriteText(cmd.OutOrStdout(), title, res)
}

// readCloneSet reads the one CloneSet of a manifest file, applies Kruise's
// defaults and validates it.
func readCloneSet(path string) (*appsv1alpha1.CloneSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cloneset: %w", err)
	}
	var found []*appsv1alpha1.CloneSet
	for _, doc := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var cs appsv1alpha1.CloneSet
		if err := yaml.Unmarshal(doc, &cs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if cs.Kind == "CloneSet" {
			found = append(found, &cs)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s: %d CloneSets found, want exactly one", path, len(found))
	}
	cs := plan.WithDefaults(found[0])
	if errs := plan.Validate(cs); len(errs) > 0 {
		return nil, fmt.Errorf("%s: CloneSet %s/%s: %w", path, cs.Namespace, cs.Name, errors.Join(errsOf(errs)...))
	}
	return cs, nil
}

func errsOf[T error](list []T) []error {
	out := make([]error, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}
