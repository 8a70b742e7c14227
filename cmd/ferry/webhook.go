package main

import "github.com/spf13/cobra"

func newWebhookCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "webhook",
		Short: "Serve the SidecarSet injection admission webhook",
		RunE:  notImplemented("webhook"),
	}
}
