package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/render/diff"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
)

const diffLong = `Preview a change before it merges: render each kustomize PATH at two
revisions, exactly as ferry would apply them (SidecarSets injected), and
print what changes, object by object and field by field, and for each
OpenKruise CloneSet the rollout the change triggers: pods that move to the
new revision, in place or recreated, the batch, the most pods at once and
the fewest available, and the engine's steps, simulated with ferry's own
rollout planner. No cluster and no credentials are needed.

  --base  the revision the change starts from: what is running now, or the
          branch a pull request targets (origin/main). Default HEAD.
  --head  the revision the change proposes (HEAD in a pull-request job).
          Default "": the working tree on disk, uncommitted edits included.

Both take any git revision (branch, tag, commit, HEAD~2). --repo is a local
repository (or a directory in one; PATHs are relative to it) or a URL. The
rollout preview assumes the cluster settled at base; when base's partition
holds pods back, it looks up to --history-depth commits back from base for
the template those pods run (CI clones must not be shallow for that).

Fields are compared after decoding, so reformatting or reordering YAML is
no change. Lists of named items (containers, env, volumes, ports) are
matched by name: spec.template.spec.containers[name=app].image. Secret
values print as *** unless --show-secrets.

--live compares the cluster instead: each object as it is live against the
API server's dry-run of applying --head's render (server-side apply, as
ferry applies), so drift shows; the rollouts are those applying head would
trigger. It takes kubectl's --kubeconfig, --context and -n, and --gitsync to
dry-run with a GitSync's labels; with --gitsync, the objects it applied that
head no longer has are listed as removed: what its prune would delete.

Exit status, as kubectl diff: 0 no change, 1 changes, 2 error (a render
error names the file, line and revision). --exit-code=false exits 0 on
success either way.`

const diffExample = `  # In a pull-request job: write the comment, exit 1 when something changes
  ferry diff --repo . --base origin/main --head HEAD overlays/prod -o markdown > comment.md

  # What do my uncommitted edits change?
  ferry diff overlays/prod

  # What would syncing HEAD change in the cluster? (drift included)
  ferry diff --live --head HEAD --context prod -n shop --gitsync shop overlays/prod

  # Several overlays, machine-readable, never fail the job on a diff
  ferry diff --base v1.4 --head v1.5 overlays/eu overlays/us -o json --exit-code=false`

type diffFlags struct {
	repo, base, head, output, color string
	maxBytes, historyDepth          int
	exitCode, showSecrets           bool
	allowRemote                     bool
	namespace                       string
	live                            bool
	gitsync                         string
	kube                            kubeFlags
}

func newDiffCommand() *cobra.Command {
	f := diffFlags{}
	cmd := &cobra.Command{
		Use:     "diff [--repo DIR|URL] [--base REV] [--head REV] PATH... [-o text|markdown|json]",
		Short:   "Preview a change: object diff plus the rollout it triggers",
		Long:    diffLong,
		Example: diffExample,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.repo, "repo", ".", "repository: a local directory or a URL")
	fl.StringVar(&f.base, "base", "HEAD", `revision the change starts from; "" is the working tree`)
	fl.StringVar(&f.head, "head", "", `revision the change proposes; "" is the working tree`)
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text, markdown or json")
	fl.StringVar(&f.color, "color", "auto", "colour text output: auto (when stdout is a terminal), always or never")
	fl.IntVar(&f.maxBytes, "max-bytes", diff.DefaultMarkdownOptions().MaxBytes, "truncate markdown output to this many bytes (0: no limit)")
	fl.BoolVar(&f.exitCode, "exit-code", true, "exit 1 when something changes; false exits 0 on success")
	fl.BoolVar(&f.showSecrets, "show-secrets", false, "print Secret values instead of ***")
	fl.IntVar(&f.historyDepth, "history-depth", diff.DefaultOptions().HistoryDepth, "commits before base searched for the template held-back pods run (0: off)")
	fl.BoolVar(&f.allowRemote, "allow-remote-bases", false, "let kustomizations fetch remote bases and files")
	fl.StringVar(&f.namespace, "default-namespace", "default", "namespace of objects that set none (seen by SidecarSet namespace rules)")
	fl.BoolVar(&f.live, "live", false, "compare the cluster with --head instead of --base (server-side apply dry-run)")
	fl.StringVar(&f.gitsync, "gitsync", "", "with --live: dry-run with this GitSync's (in -n) labels, and list what its prune would delete; with your credentials, not its serviceAccountName")
	f.kube.addFlags(fl, "with --live: namespace of objects that set none, and of --gitsync (default: the context's)")
	return cmd
}

func runDiff(cmd *cobra.Command, f diffFlags, paths []string) error {
	color, err := useColor(f.color, cmd.OutOrStdout())
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	switch f.output {
	case "text", "markdown", "json":
	default:
		return &exitError{code: 2, err: fmt.Errorf("--output %q: want text, markdown or json", f.output)}
	}
	opts := diff.DefaultOptions()
	opts.Render.AllowRemoteBases = f.allowRemote
	opts.Render.DefaultNamespace = f.namespace
	opts.Compare.ShowSecrets = f.showSecrets
	opts.HistoryDepth = f.historyDepth
	var p *diff.Preview
	if f.live {
		if cmd.Flags().Changed("base") {
			return &exitError{code: 2, err: fmt.Errorf("--base does not apply with --live: the cluster is the base")}
		}
		p, err = runLiveDiff(cmd, f, paths, opts)
	} else {
		p, err = diff.Run(cmd.Context(), diff.Request{Repo: f.repo, Base: f.base, Head: f.head, Paths: paths}, opts)
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	return writePreview(cmd.OutOrStdout(), p, f, color)
}

// runLiveDiff wires --live: the kubeconfig, an apply manager, and the
// options the GitOps loop applies with.
func runLiveDiff(cmd *cobra.Command, f diffFlags, paths []string, opts diff.Options) (*diff.Preview, error) {
	cfg, err := f.kube.restConfig()
	if err != nil {
		return nil, err
	}
	m, err := apply.NewManager(cfg, apply.DefaultOptions())
	if err != nil {
		return nil, err
	}
	ns := f.kube.namespaceOr(f.namespace)
	opts.Render.DefaultNamespace = ns
	ao := apply.DefaultApplyOptions()
	ao.DefaultNamespace = ns
	var inv *apply.Inventory
	if f.gitsync != "" {
		ao.Labels = map[string]string{gitsync.LabelName: f.gitsync, gitsync.LabelNamespace: ns}
		if inv, err = gitSyncInventory(cmd.Context(), m.Client(), ns, f.gitsync); err != nil {
			return nil, err
		}
	}
	cluster := "cluster"
	if raw, err := f.kube.loader().RawConfig(); err == nil {
		name := f.kube.context
		if name == "" {
			name = raw.CurrentContext
		}
		if name != "" {
			cluster = "cluster " + name
		}
	}
	return diff.RunLive(cmd.Context(), diff.LiveRequest{Repo: f.repo, Head: f.head, Paths: paths, Cluster: cluster, Apply: ao, Inventory: inv}, m, opts)
}

// gitSyncInventory reads what the GitSync applied last, so --live lists
// what its prune would delete.
func gitSyncInventory(ctx context.Context, dyn dynamic.Interface, ns, name string) (*apply.Inventory, error) {
	u, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("--gitsync %s/%s: %w", ns, name, err)
	}
	gs, err := gitsync.FromUnstructured(u)
	if err != nil {
		return nil, fmt.Errorf("--gitsync %s/%s: %w", ns, name, err)
	}
	return gitsync.PruneInventory(gs), nil
}

// writePreview prints the preview (all at once: nothing is printed on
// error) and turns "something changed" into exit status 1.
func writePreview(w io.Writer, p *diff.Preview, f diffFlags, color bool) error {
	var buf bytes.Buffer
	var err error
	switch f.output {
	case "json":
		err = diff.WriteJSON(&buf, p)
	case "markdown":
		err = diff.WriteMarkdown(&buf, p, diff.MarkdownOptions{MaxBytes: f.maxBytes})
	default:
		err = diff.WriteText(&buf, p, diff.TextOptions{Color: color})
	}
	if err == nil {
		_, err = w.Write(buf.Bytes())
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if p.HasChanges() && f.exitCode {
		return &exitError{code: 1}
	}
	return nil
}

// useColor decides --color: auto colours only a terminal, and honours
// NO_COLOR.
func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := w.(*os.File)
		if !ok {
			return false, nil
		}
		st, err := f.Stat()
		return err == nil && st.Mode()&os.ModeCharDevice != 0, nil
	}
	return false, fmt.Errorf("--color %q: want auto, always or never", mode)
}
