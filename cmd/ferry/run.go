package main

import "github.com/spf13/cobra"

func newRunCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Sync git repositories into the cluster (GitSync reconciler, engine and webhook)",
		RunE:  notImplemented("run"),
	}
}
