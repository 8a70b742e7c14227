package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
)

const statusLong = `Show GitSyncs: the revision each applied, whether it is Ready and why, and
where the rollout of each of its CloneSets stands (the batch in git, and the
pods updated and ready in the cluster).

READY is the GitSync's Ready condition: True when the revision is applied and
healthy (a batch held at its partition counts as done), Unknown while a
rollout moves, False when a revision could not be applied; STATUS says why.`

const statusExample = `  # All GitSyncs in the current namespace
  ferry status

  # One GitSync, following the rollout as it happens
  ferry status app -w

  # Every namespace, as YAML for scripts
  ferry status -A -o yaml`

type statusFlags struct {
	kube          kubeFlags
	allNamespaces bool
	output        string
	watch         bool
}

func newStatusCommand() *cobra.Command {
	f := &statusFlags{}
	cmd := &cobra.Command{
		Use:     "status [NAME]",
		Short:   "Show GitSyncs and the batches of their rollouts",
		Long:    statusLong,
		Example: statusExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runStatus(cmd.Context(), f, name, cmd.OutOrStdout())
		},
	}
	f.kube.addFlags(cmd.Flags(), "namespace (default: the context's, else default)")
	cmd.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "list GitSyncs in every namespace")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "output format: yaml, json (default: a table)")
	cmd.Flags().BoolVarP(&f.watch, "watch", "w", false, "after listing, print again whenever a GitSync changes")
	return cmd
}

func runStatus(ctx context.Context, f *statusFlags, name string, out io.Writer) error {
	switch f.output {
	case "", "yaml", "json":
	default:
		return fmt.Errorf("unknown output format %q (want yaml or json)", f.output)
	}
	cfg, err := f.kube.restConfig()
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ns := f.kube.namespaceOr("default")
	if f.allNamespaces {
		ns = metav1.NamespaceAll
	}
	res := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns)
	opts := metav1.ListOptions{}
	if name != "" {
		opts.FieldSelector = "metadata.name=" + name
	}
	list, err := res.List(ctx, opts)
	if err != nil {
		return fmt.Errorf("list GitSyncs: %w", err)
	}
	items, err := gitSyncs(list.Items)
	if err != nil {
		return err
	}
	if name != "" && len(items) == 0 {
		return fmt.Errorf("GitSync %s/%s not found", ns, name)
	}
	if err := printStatus(out, items, f); err != nil {
		return err
	}
	if !f.watch {
		return nil
	}
	opts.ResourceVersion = list.GetResourceVersion()
	w, err := res.Watch(ctx, opts)
	if err != nil {
		return fmt.Errorf("watch GitSyncs: %w", err)
	}
	defer w.Stop()
	byKey := map[string]v1alpha1.GitSync{}
	for _, gs := range items {
		byKey[gs.Namespace+"/"+gs.Name] = gs
	}
	for ev := range w.ResultChan() {
		u, ok := ev.Object.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		gs, err := gitsync.FromUnstructured(u)
		if err != nil {
			return err
		}
		key := gs.Namespace + "/" + gs.Name
		if ev.Type == watch.Deleted {
			delete(byKey, key)
		} else {
			byKey[key] = *gs
		}
		items = items[:0]
		for _, v := range byKey {
			items = append(items, v)
		}
		sortGitSyncs(items)
		fmt.Fprintf(out, "\n--- %s\n", time.Now().Format("15:04:05"))
		if err := printStatus(out, items, f); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func gitSyncs(us []unstructured.Unstructured) ([]v1alpha1.GitSync, error) {
	out := make([]v1alpha1.GitSync, 0, len(us))
	for i := range us {
		gs, err := gitsync.FromUnstructured(&us[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *gs)
	}
	sortGitSyncs(out)
	return out, nil
}

func sortGitSyncs(items []v1alpha1.GitSync) {
	sort.Slice(items, func(i, j int) bool {
		return items[i].Namespace+"/"+items[i].Name < items[j].Namespace+"/"+items[j].Name
	})
}

func printStatus(out io.Writer, items []v1alpha1.GitSync, f *statusFlags) error {
	switch f.output {
	case "yaml", "json":
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		if f.output == "json" {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(list)
		}
		b, err := yaml.Marshal(list)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	if len(items) == 0 {
		_, err := fmt.Fprintln(out, "No GitSyncs found.")
		return err
	}
	return gitsync.WriteTable(out, items, gitsync.TableOptions{
		AllNamespaces: f.allNamespaces, Bars: isTerminal(out), Now: time.Now(),
	})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
