package main

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
)

// quickStart turns `ferry run --repo ... --path ...` into a GitSync.
type quickStart struct {
	url, name, branch, tag, commit, path string
	interval                             time.Duration
	prune                                bool
}

func (q *quickStart) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&q.url, "repo", "", "create or update a GitSync for this git URL (https://, ssh://, git@host:repo, file://)")
	fs.StringVar(&q.name, "name", "", "name of that GitSync (default: derived from --repo and --path)")
	fs.StringVar(&q.branch, "branch", "", "branch to follow (default main)")
	fs.StringVar(&q.tag, "tag", "", "tag to follow instead of a branch")
	fs.StringVar(&q.commit, "commit", "", "pin a commit instead of a branch")
	fs.StringVar(&q.path, "path", "", "kustomize path inside the repository")
	fs.DurationVar(&q.interval, "interval", time.Minute, "poll interval of that GitSync")
	fs.BoolVar(&q.prune, "prune", true, "delete objects that leave git")
}

func (q *quickStart) enabled() bool { return q.url != "" }

// defaultName is "app-overlays-prod" for https://git.example/app.git and
// overlays/prod.
func (q *quickStart) defaultName() string {
	base := strings.TrimSuffix(path.Base(strings.TrimRight(q.url, "/")), ".git")
	if i := strings.LastIndexAny(base, ":"); i >= 0 {
		base = base[i+1:]
	}
	name := base
	if p := strings.Trim(q.path, "/."); p != "" {
		name += "-" + p
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.Trim(out[:63], "-")
	}
	if out == "" {
		out = "gitsync"
	}
	return out
}

// apply creates or updates the GitSync with server-side apply, so fields set
// by other hands (kubectl edit of spec.schedule, say) stay.
func (q *quickStart) apply(ctx context.Context, dyn dynamic.Interface, ns string) (string, error) {
	name := q.name
	if name == "" {
		name = q.defaultName()
	}
	gs := &v1alpha1.GitSync{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GitSync"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.GitSyncSpec{
			URL:      q.url,
			Ref:      v1alpha1.GitRef{Branch: q.branch, Tag: q.tag, Commit: q.commit},
			Path:     q.path,
			Interval: &metav1.Duration{Duration: q.interval},
			Prune:    &q.prune,
		},
	}
	u, err := gitsync.ToUnstructured(gs)
	if err != nil {
		return "", err
	}
	unstructuredDropStatus(u.Object)
	body, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", err
	}
	force := true
	_, err = dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).Patch(ctx, name, types.ApplyYAMLPatchType, body,
		metav1.PatchOptions{FieldManager: "ferry-run", Force: &force})
	if err != nil {
		return "", fmt.Errorf("GitSync %s/%s: %w", ns, name, err)
	}
	return name, nil
}

func unstructuredDropStatus(obj map[string]any) {
	delete(obj, "status")
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
}
