package main

import "github.com/spf13/cobra"

func newRolloutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Inspect CloneSet rollouts",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "simulate",
		Short: "Run the rollout planner offline and print each step",
		RunE:  notImplemented("rollout simulate"),
	})
	return cmd
}
