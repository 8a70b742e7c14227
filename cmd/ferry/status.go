package main

import "github.com/spf13/cobra"

func newStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show GitSyncs and their rollout batches",
		RunE:  notImplemented("status"),
	}
}
