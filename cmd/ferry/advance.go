package main

import "github.com/spf13/cobra"

func newAdvanceCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "advance",
		Short: "Commit the next batch (partition) of a CloneSet to git",
		RunE:  notImplemented("advance"),
	}
}
