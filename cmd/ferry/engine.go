package main

import "github.com/spf13/cobra"

func newEngineCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "engine",
		Short: "Run only the CloneSet rollout engine",
		RunE:  notImplemented("engine"),
	}
}
