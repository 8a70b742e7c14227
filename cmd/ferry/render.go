package main

import "github.com/spf13/cobra"

func newRenderCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "render",
		Short: "Render a kustomize path at a git revision, with SidecarSets injected",
		RunE:  notImplemented("render"),
	}
}
