package gitsync_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
)

func configMap(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: %q\n", name, value)
}

func kustomization(resources ...string) string {
	return "resources:\n- " + strings.Join(resources, "\n- ") + "\n"
}

func spec(url string) v1alpha1.GitSyncSpec {
	return v1alpha1.GitSyncSpec{URL: url, Path: "app", Interval: &metav1.Duration{Duration: 500 * time.Millisecond}}
}

// A commit is applied within one interval; a broken commit applies nothing
// and says why, with the last good revision still running; the next good
// commit applies.
func TestLoopAppliesCommitsAndSurvivesBadOnes(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	good := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml", "b.yaml"),
		"app/a.yaml":             configMap("a", "1"),
		"app/b.yaml":             configMap("b", "1"),
	}, "first")
	e.createGitSync("app", spec(repo.FileURL()))
	e.start(nil)

	gs := e.waitFor("app", 30*time.Second, "first sync", appliedAt(good))
	if st, reason, _ := ready(gs); st != "True" || reason != "Applied" {
		t.Fatalf("Ready = %s %s, want True Applied", st, reason)
	}
	if got := e.configMaps(); got["a"] != "1" || got["b"] != "1" {
		t.Fatalf("configmaps %v, want a=1 b=1", got)
	}
	if n := len(gs.Status.Inventory.Entries); n != 2 {
		t.Fatalf("inventory has %d entries, want 2", n)
	}

	// Invalid YAML: nothing applied, the file is named, a=1 keeps running.
	bad := repo.Commit(map[string]string{
		"app/a.yaml": configMap("a", "2"),
		"app/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b\n",
	}, "broken yaml")
	gs = e.waitFor("app", 30*time.Second, "render failure", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAttemptedRevision == "main@sha1:"+bad
	})
	st, reason, msg := ready(gs)
	if st != "False" || reason != "RenderFailed" || !strings.Contains(msg, "app/b.yaml") || !strings.Contains(msg, "keeps running") {
		t.Fatalf("Ready = %s %s %q, want False RenderFailed naming app/b.yaml", st, reason, msg)
	}
	if gs.Status.LastAppliedRevision != "main@sha1:"+good {
		t.Fatalf("lastAppliedRevision = %s, want the good one", gs.Status.LastAppliedRevision)
	}
	if got := e.configMaps(); got["a"] != "1" {
		t.Fatalf("a = %q after a broken commit, want 1 (nothing half-applied)", got["a"])
	}

	// An object the apiserver rejects: its valid sibling is not applied either.
	rejected := repo.Commit(map[string]string{
		"app/b.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec:\n  ports:\n  - port: 0\n",
	}, "invalid service")
	gs = e.waitFor("app", 30*time.Second, "validation failure", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAttemptedRevision == "main@sha1:"+rejected
	})
	st, reason, msg = ready(gs)
	if st != "False" || reason != "ValidationFailed" || !strings.Contains(msg, "Service") || !strings.Contains(msg, "spec.ports[0].port") {
		t.Fatalf("Ready = %s %s %q, want False ValidationFailed naming the Service and field", st, reason, msg)
	}
	if got := e.configMaps(); got["a"] != "1" {
		t.Fatalf("a = %q, want 1: the valid object of a rejected revision was applied", got["a"])
	}

	fixed := repo.Commit(map[string]string{"app/b.yaml": configMap("b", "3")}, "fix")
	e.waitFor("app", 30*time.Second, "recovery", appliedAt(fixed))
	if got := e.configMaps(); got["a"] != "2" || got["b"] != "3" {
		t.Fatalf("configmaps %v after the fix, want a=2 b=3", got)
	}
	gs = e.gitSync("app")
	if st, _, _ := ready(gs); st != "True" {
		t.Fatalf("Ready = %s after the fix", st)
	}
	var results []string
	for _, h := range gs.Status.History {
		results = append(results, h.Result)
	}
	if strings.Join(results, ",") != "Applied,Failed,Failed,Applied" {
		t.Fatalf("history results = %v, want Applied,Failed,Failed,Applied", results)
	}
}

// A file deleted from git is pruned; an empty render prunes nothing.
func TestLoopPrunes(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml", "b.yaml"),
		"app/a.yaml":             configMap("a", "1"),
		"app/b.yaml":             configMap("b", "1"),
	}, "two")
	e.createGitSync("app", spec(repo.FileURL()))
	e.start(nil)
	e.waitFor("app", 30*time.Second, "first sync", func(gs *v1alpha1.GitSync) bool { return gs.Status.LastAppliedRevision != "" })

	one := repo.Commit(map[string]string{"app/kustomization.yaml": kustomization("a.yaml")}, "drop b")
	e.waitFor("app", 30*time.Second, "prune", appliedAt(one))
	if exists(e, "b") || !exists(e, "a") {
		t.Fatalf("after removing b from git: configmaps %v, want only a", keys(e.configMaps()))
	}

	empty := repo.Commit(map[string]string{"app/kustomization.yaml": "resources: []\n"}, "empty")
	gs := e.waitFor("app", 30*time.Second, "refused prune", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAttemptedRevision == "main@sha1:"+empty
	})
	st, reason, msg := ready(gs)
	if st != "False" || reason != "PruneRefused" || !strings.Contains(msg, "empty") {
		t.Fatalf("Ready = %s %s %q, want False PruneRefused", st, reason, msg)
	}
	if !exists(e, "a") {
		t.Fatal("an empty render pruned a")
	}
}

// A push webhook with a good signature syncs at once (the poll interval is
// an hour); a bad signature is refused with 401.
func TestLoopPushWebhook(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	repo := gittest.NewRepo(t, root, "app.git")
	first := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml"),
		"app/a.yaml":             configMap("a", "1"),
	}, "first")
	secret := []byte("s3cret")
	if _, err := e.c.Client.CoreV1().Secrets(e.ns).Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "hook"}, Data: map[string][]byte{"token": secret}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := spec(srv.RepoURL("app.git"))
	s.Interval = &metav1.Duration{Duration: time.Hour}
	s.Webhook = &v1alpha1.Webhook{SecretRef: v1alpha1.LocalObjectReference{Name: "hook"}}
	e.createGitSync("app", s)
	e.start(nil)
	e.waitFor("app", 30*time.Second, "first sync", appliedAt(first))
	hook := httptest.NewServer(gitsync.NewHooks(e.c.Client, e.dyn, slog.Default()).Handler(source.DefaultReceiverOptions()))
	defer hook.Close()

	second := repo.Commit(map[string]string{"app/a.yaml": configMap("a", "2")}, "second")
	body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","after":%q,"repository":{"clone_url":%q}}`, second, srv.RepoURL("app.git")))
	post := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, hook.URL+"/hook/github/"+e.ns+"/app", bytes.NewReader(body))
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-Hub-Signature-256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("sha256=" + strings.Repeat("0", 64)); code != http.StatusUnauthorized {
		t.Fatalf("bad signature answered %d, want 401", code)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	start := time.Now()
	if code := post("sha256=" + hex.EncodeToString(mac.Sum(nil))); code != http.StatusAccepted {
		t.Fatalf("good signature answered %d, want 202", code)
	}
	e.waitFor("app", 10*time.Second, "sync after the push", appliedAt(second))
	t.Logf("push to applied: %v", time.Since(start))
	if got := e.configMaps()["a"]; got != "2" {
		t.Fatalf("a = %q after the push, want 2", got)
	}
}

// ferry stopped in the middle of things and started again converges: all
// its state is in the GitSync status and in git.
func TestLoopRestart(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	first := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml", "b.yaml"),
		"app/a.yaml":             configMap("a", "1"),
		"app/b.yaml":             configMap("b", "1"),
	}, "first")
	e.createGitSync("app", spec(repo.FileURL()))
	e.start(nil)
	e.waitFor("app", 30*time.Second, "first sync", appliedAt(first))
	second := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml", "c.yaml"),
		"app/a.yaml":             configMap("a", "2"),
		"app/c.yaml":             configMap("c", "1"),
	}, "second")
	time.Sleep(300 * time.Millisecond) // likely mid-sync of the second commit
	e.halt()
	e.start(nil)
	e.waitFor("app", 30*time.Second, "convergence after restart", appliedAt(second))
	if got := keys(e.configMaps()); strings.Join(got, ",") != "a,c" {
		t.Fatalf("configmaps %v after restart, want a,c (b pruned)", got)
	}
	if e.configMaps()["a"] != "2" {
		t.Fatal("a not updated after restart")
	}
}

// A GitSync with spec.serviceAccountName applies as that account: what it
// may not create is refused at validation, and nothing of that revision is
// applied.
func TestLoopAppliesAsServiceAccount(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.c.Client.CoreV1().ServiceAccounts(e.ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "configmaps"}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}}}}
	if _, err := e.c.Client.RbacV1().Roles(e.ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "configmaps"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: e.ns}}}
	if _, err := e.c.Client.RbacV1().RoleBindings(e.ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	first := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml"),
		"app/a.yaml":             configMap("a", "1"),
	}, "configmap only")
	s := spec(repo.FileURL())
	s.ServiceAccountName = "deployer"
	e.createGitSync("app", s)
	e.start(func(o *gitsync.Options) { o.ManagerFor = gitsync.Impersonating(e.c.Config, apply.DefaultOptions()) })
	e.waitFor("app", 30*time.Second, "sync as deployer", appliedAt(first))

	second := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml", "s.yaml"),
		"app/a.yaml":             configMap("a", "2"),
		"app/s.yaml":             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n",
	}, "a secret the account may not create")
	gs := e.waitFor("app", 30*time.Second, "refusal", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAttemptedRevision == "main@sha1:"+second
	})
	st, reason, msg := ready(gs)
	if st != "False" || reason != "ValidationFailed" || !strings.Contains(msg, "Secret") || !strings.Contains(msg, "forbidden") {
		t.Fatalf("Ready = %s %s %q, want False ValidationFailed: Secret forbidden", st, reason, msg)
	}
	if got := e.configMaps()["a"]; got != "1" {
		t.Fatalf("a = %q, want 1: part of a refused revision was applied", got)
	}
}

// A suspended GitSync applies nothing new; resuming it catches up.
func TestLoopSuspend(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	first := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("a.yaml"),
		"app/a.yaml":             configMap("a", "1"),
	}, "first")
	e.createGitSync("app", spec(repo.FileURL()))
	e.start(nil)
	e.waitFor("app", 30*time.Second, "first sync", appliedAt(first))

	setSuspend := func(v bool) {
		patch := fmt.Sprintf(`{"spec":{"suspend":%t}}`, v)
		if _, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Patch(t.Context(), "app", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setSuspend(true)
	e.waitFor("app", 10*time.Second, "suspension observed", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.ObservedGeneration == gs.Generation && gs.Spec.Suspend
	})
	second := repo.Commit(map[string]string{"app/a.yaml": configMap("a", "2")}, "second")
	time.Sleep(2 * time.Second) // four intervals
	if got := e.configMaps()["a"]; got != "1" {
		t.Fatalf("a = %q while suspended, want 1", got)
	}
	setSuspend(false)
	e.waitFor("app", 30*time.Second, "catch-up after resume", appliedAt(second))
}
