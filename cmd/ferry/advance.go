package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/rollout/advance"
	"github.com/ferry-gitops/ferry/rollout/batch"
	"github.com/ferry-gitops/ferry/source"
)

const advanceLong = `Advance a CloneSet's rollout by committing its next partition to git.

ferry finds the one YAML value in the repository that sets the CloneSet's
spec.updateStrategy.partition for the synced path (the base, an overlay's
strategic-merge or JSON6902 patch file, or an inline patch in a
kustomization.yaml), rewrites only that value, keeping comments and
formatting byte for byte, renders the path again to prove that the CloneSet
now has the target partition and nothing else changed, and commits:

  rollout(<namespace>/<name>): batch <k>/<n> (partition <from>→<to>)

The batch plan is the CloneSet's ferry.dev/batches annotation. --next is the
batch after the one the cluster runs; --to-batch K names a batch; without a
plan, --partition P is required.

Before committing, ferry reads the live CloneSet (--kubeconfig, --context)
and refuses unless the batch git holds is complete in the cluster: the
controller observed the spec, the cluster runs the partition git holds, and
the batch's pods are updated and ready. It also refuses a target that skips
a batch or raises the partition, and a value that other kustomize paths
render too (a base shared by two overlays). --force overrides these
refusals. Running an advance twice is a no-op: "already at batch 2".

--path, --repo and --branch default to the spec of the GitSync that applies
the CloneSet (found in its namespace by inventory). --repo is a local clone
(ferry commits on its checked-out branch as committed, leaving other local
changes alone, and refuses if the file has local changes) or a URL (ferry
commits in memory and pushes; --push is required). Credentials for a URL
come from the GitSync's secretRef.

Exit status: 0 committed or nothing to do, 1 refused (nothing written),
2 error.`

const advanceExample = `  # Commit the next batch in the clone in the current directory and push it
  ferry advance default/demo --repo . --next --push

  # Commit batch 3 straight to the remote the GitSync syncs from
  ferry advance default/demo --to-batch 3 --push

  # A CloneSet without a batch plan: name the partition
  ferry advance shop/web --partition 20% --path overlays/prod --push

  # See the edit without committing, as JSON
  ferry advance default/demo --next --dry-run -o json`

type advanceFlags struct {
	kube                        kubeFlags
	repo, branch, path, message string
	next                        bool
	toBatch                     int
	partition                   string
	push, force, dryRun         bool
	pathSet                     bool // --path given, even as ""
	output                      string
	signKey                     string // file with an armored OpenPGP or an OpenSSH private key
}

func newAdvanceCommand() *cobra.Command {
	f := &advanceFlags{}
	cmd := &cobra.Command{
		Use:     "advance NAMESPACE/NAME [--next | --to-batch K | --partition P] [--repo DIR|URL] [--branch B] [--path P] [--push]",
		Short:   "Commit the next batch (partition) of a CloneSet to git",
		Long:    advanceLong,
		Example: advanceExample,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.pathSet = cmd.Flags().Changed("path")
			return runAdvance(cmd, f, args[0], time.Now())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.next, "next", false, "advance to the batch after the one the cluster runs (the default)")
	fl.IntVar(&f.toBatch, "to-batch", 0, "advance to batch K of the plan")
	fl.StringVar(&f.partition, "partition", "", "advance to this partition (an int or a percent); the way without a plan")
	fl.StringVar(&f.repo, "repo", "", "local clone or URL (default: the GitSync's url, else .)")
	fl.StringVar(&f.branch, "branch", "", "branch to commit to (default: the checked-out one, or the GitSync's, or main)")
	fl.StringVar(&f.path, "path", "", "kustomize path that renders the CloneSet (default: the GitSync's path)")
	fl.BoolVar(&f.push, "push", false, "push the commit")
	fl.StringVarP(&f.message, "message", "m", "", "commit message (default: rollout(<ns>/<name>): batch <k>/<n> (partition <from>→<to>))")
	fl.BoolVar(&f.force, "force", false, "advance past an unhealthy batch, skip batches, raise the partition, or edit a shared file")
	fl.BoolVar(&f.dryRun, "dry-run", false, "plan and print the edit, commit nothing")
	fl.StringVar(&f.signKey, "sign-key", "", "sign the commit with this private key file, armored OpenPGP or OpenSSH (an SSH signature,\nas git's gpg.format ssh), for a GitSync with spec.verify (passphrase, if any, from\n$FERRY_SIGN_KEY_PASSPHRASE)")
	f.kube.addFlags(fl, "namespace, when the argument is a bare NAME (default: the context's, else default)")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.MarkFlagsMutuallyExclusive("next", "to-batch", "partition")
	return cmd
}

func runAdvance(cmd *cobra.Command, f *advanceFlags, arg string, now time.Time) error {
	ctx := cmd.Context()
	if f.output != "text" && f.output != "json" {
		return fmt.Errorf("--output %q: want text or json", f.output)
	}
	ns, name, ok := strings.Cut(arg, "/")
	if !ok {
		ns, name = f.kube.namespaceOr("default"), arg
	}
	target, err := f.target()
	if err != nil {
		return err
	}
	cl := readCluster(ctx, f, ns, name, now)
	where, err := f.where(ctx, cl, ns, name)
	if err != nil {
		return err
	}
	req := advance.Request{Path: where.path, Namespace: ns, Name: name, Target: target, Force: f.force, Health: cl.health}
	out := advanceOutput{Namespace: ns, Name: name, Branch: where.branch, DryRun: f.dryRun, Message: f.message}
	var ch *advance.Change
	if f.dryRun {
		if req.Commit, err = where.snapshot(ctx); err == nil {
			ch, err = advance.Plan(ctx, req)
		}
	} else {
		wb := where.writeBack(f, now)
		if wb.SignKey, err = f.signingKey(); err != nil {
			return err
		}
		var res source.WriteBackResult
		ch, res, err = advance.Run(ctx, where.snapshot, req, wb)
		out.result(res)
	}
	if err != nil {
		return advanceError(cmd, f, &out, err)
	}
	out.change(ch)
	return out.print(cmd.OutOrStdout(), f.output)
}

func (f *advanceFlags) target() (advance.Target, error) {
	switch {
	case f.toBatch != 0:
		return advance.ToBatch(f.toBatch), nil
	case f.partition != "":
		p := intstr.Parse(f.partition)
		if _, err := batch.PartitionReplicas(p, 100); err != nil {
			return advance.Target{}, fmt.Errorf("--partition %q: %w", f.partition, err)
		}
		return advance.ToPartition(p), nil
	}
	return advance.Next(), nil
}

// clusterView is what the cluster said, or why it could not be asked.
type clusterView struct {
	live   advance.Live
	health *advance.Health
	kube   kubernetes.Interface // nil without a cluster
}

// readCluster reads the live CloneSet and its GitSync. A cluster that
// cannot be reached is not an error here: the health is then Unknown and
// Plan refuses unless --force.
func readCluster(ctx context.Context, f *advanceFlags, ns, name string, now time.Time) clusterView {
	cfg, err := f.kube.restConfig()
	if err != nil {
		return clusterView{health: advance.UnknownHealth(err.Error())}
	}
	cfg.Timeout = 15 * time.Second
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return clusterView{health: advance.UnknownHealth(err.Error())}
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return clusterView{health: advance.UnknownHealth(err.Error())}
	}
	live, err := advance.ReadLive(ctx, dyn, ns, name)
	if err != nil {
		return clusterView{health: advance.UnknownHealth(err.Error())}
	}
	return clusterView{live: live, health: live.Health(now), kube: kube}
}

// advanceWhere is where the advance reads and writes git.
type advanceWhere struct {
	repo, branch, path string
	url                bool
	auth               *source.Auth
	snapshot           advance.SnapshotFunc
}

// where resolves --repo, --branch and --path, defaulting to the GitSync.
func (f *advanceFlags) where(ctx context.Context, cl clusterView, ns, name string) (advanceWhere, error) {
	gs := cl.live.GitSync
	w := advanceWhere{repo: f.repo, branch: f.branch, path: f.path}
	if gs != nil {
		if !f.pathSet {
			w.path = gs.Spec.Path
		}
		if w.repo == "" {
			w.repo = gs.Spec.URL
		}
	} else if !f.pathSet {
		return w, fmt.Errorf("--path is required: no GitSync in namespace %s applies CloneSet %s/%s (%s)",
			ns, ns, name, clusterNote(cl))
	}
	if w.repo == "" {
		w.repo = "."
	}
	w.path = strings.Trim(strings.TrimPrefix(w.path, "./"), "/")
	w.url = isRepoURL(w.repo)
	var err error
	if cl.kube != nil {
		authURL := w.repo
		if !w.url {
			authURL = originURL(w.repo)
		}
		if w.auth, err = advance.GitSyncAuth(ctx, cl.kube, gs, authURL); err != nil {
			return w, err
		}
	}
	if !w.url {
		checkedOut, err := advance.CheckedOutBranch(w.repo)
		if err != nil {
			return w, err
		}
		if w.branch == "" {
			w.branch = checkedOut
		}
		w.snapshot = advance.LocalSnapshot(w.repo, w.branch)
		return w, nil
	}
	if !f.push && !f.dryRun {
		return w, fmt.Errorf("--repo %s is a URL: ferry commits to it by pushing; add --push (or --dry-run to see the edit)", source.RedactURL(w.repo))
	}
	if w.branch == "" && gs != nil && source.SameRepository(w.repo, gs.Spec.URL) {
		if gs.Spec.Ref.Tag != "" || gs.Spec.Ref.Commit != "" {
			return w, fmt.Errorf("GitSync %s/%s follows a tag or commit, not a branch: name one with --branch", gs.Namespace, gs.Name)
		}
		w.branch = gs.Spec.Ref.Branch
	}
	if w.branch == "" {
		w.branch = "main"
	}
	w.snapshot = advance.RemoteSnapshot(source.NewFetcher(source.DefaultFetcherOptions()), w.repo, w.branch, w.auth)
	return w, nil
}

func (w advanceWhere) writeBack(f *advanceFlags, now time.Time) source.WriteBackRequest {
	wb := source.WriteBackRequest{Branch: w.branch, Auth: w.auth, Message: f.message, When: now, Push: f.push}
	if w.url {
		wb.URL = w.repo
	} else {
		wb.Dir = w.repo
	}
	return wb
}

// signingKey reads --sign-key, if given.
func (f *advanceFlags) signingKey() (source.CommitSigner, error) {
	if f.signKey == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(f.signKey)
	if err != nil {
		return nil, fmt.Errorf("--sign-key: %w", err)
	}
	key, err := source.ParseSigningKey(raw, []byte(os.Getenv("FERRY_SIGN_KEY_PASSPHRASE")))
	if err != nil {
		return nil, fmt.Errorf("--sign-key %s: %w", f.signKey, err)
	}
	return key, nil
}

func clusterNote(cl clusterView) string {
	if cl.health != nil && cl.health.Unknown != "" {
		return "cluster not read: " + cl.health.Unknown
	}
	return "cluster read"
}

// isRepoURL tells a URL (scheme://... or scp-style user@host:path) from a
// local path.
func isRepoURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	at, colon := strings.Index(s, "@"), strings.Index(s, ":")
	return at > 0 && colon > at && !strings.Contains(s[:at], "/")
}

// originURL is the URL of the clone's origin remote, for matching the
// GitSync's credentials ("" when there is none).
func originURL(dir string) string {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	r, err := repo.Remote(git.DefaultRemoteName)
	if err != nil || len(r.Config().URLs) == 0 {
		return ""
	}
	return r.Config().URLs[0]
}

// advanceError turns the outcomes that are not failures into output:
// nothing to do is exit 0, a refusal is exit 1 (nothing was written).
func advanceError(cmd *cobra.Command, f *advanceFlags, out *advanceOutput, err error) error {
	switch {
	case errors.Is(err, batch.ErrAlreadyAtBatch), errors.Is(err, batch.ErrDone):
		var at *batch.AlreadyAtBatchError
		var done *batch.DoneError
		switch {
		case errors.As(err, &at):
			out.Note = at.Error()
		case errors.As(err, &done):
			out.Note = done.Error()
		}
		return out.print(cmd.OutOrStdout(), f.output)
	case errors.Is(err, advance.ErrNotHealthy), errors.Is(err, batch.ErrNotNextStep), errors.Is(err, advance.ErrSharedFile),
		errors.Is(err, advance.ErrCannotEdit), errors.Is(err, batch.ErrNoPlan), errors.Is(err, batch.ErrBatchRange),
		errors.Is(err, source.ErrLocalChanges):
		return &exitError{code: 1, err: err}
	}
	return err
}
