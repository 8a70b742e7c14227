package main

import "github.com/spf13/cobra"

func newDiffCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "diff",
		Short: "Preview a change: object diff plus the rollout it triggers",
		RunE:  notImplemented("diff"),
	}
}
