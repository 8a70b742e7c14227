package main

import (
	"io"

	"github.com/spf13/cobra"
)

const rootLong = `ferry keeps a Kubernetes cluster in step with a git repository, and runs
batched rollouts whose position lives in git.

The partition of an OpenKruise CloneSet in git is the batch: a commit that
lowers it moves the next pods to the new revision. ferry polls git, renders the
kustomize overlay (injecting SidecarSets into pod templates), applies it with
server-side apply, and runs CloneSets with its own rollout engine.

Pipeline:  git ──► source ──► render ──► rollout/apply ──► cluster
                                          rollout/cloneset (engine)`

const rootExample = `  # Sync a repository into the current cluster
  ferry run --repo https://git.example/app.git --branch main --path overlays/prod

  # See what a pull request changes, and the rollout it triggers
  ferry diff --repo . --base origin/main --head HEAD overlays/prod

  # Move a CloneSet to its next batch by committing the partition
  ferry advance default/demo --repo . --next --push`

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "ferry",
		Short:         "GitOps reconciler for batched rollouts on Kubernetes",
		Long:          rootLong,
		Example:       rootExample,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVersionCommand(),
		newRunCommand(),
		newEngineCommand(),
		newRenderCommand(),
		newDiffCommand(),
		newRolloutCommand(),
		newAdvanceCommand(),
		newStatusCommand(),
		newWebhookCommand(),
	)
	return root
}
