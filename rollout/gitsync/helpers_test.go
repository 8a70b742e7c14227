package gitsync_test

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/test/cluster"
)

var installCRDs sync.Once

// env is one test's control plane, namespace and running loop.
type env struct {
	t       testing.TB
	c       *cluster.Cluster
	ns      string
	dyn     dynamic.Interface
	rec     *gitsync.Reconciler
	ctrl    *gitsync.Controller
	fetcher *source.Fetcher
	stop    context.CancelFunc
	done    chan struct{}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	c := cluster.Shared(t)
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	installCRDs.Do(func() {
		mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		objs, err := deploy.CRDObjects()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mgr.Apply(context.Background(), objs, apply.DefaultApplyOptions()); err != nil {
			t.Fatal(err)
		}
	})
	return &env{t: t, c: c, ns: c.Namespace(t), dyn: dyn}
}

// start runs the loop in-process until the test ends (or stop is called).
func (e *env) start(mutate func(*gitsync.Options)) {
	e.t.Helper()
	e.startWith(e.c.Config, mutate)
}

// startWith is start with the loop's own clients made from cfg, so a
// benchmark can count the loop's API calls (cfg.WrapTransport) apart from
// its own, or run it with ferry run's rate limits.
func (e *env) startWith(cfg *rest.Config, mutate func(*gitsync.Options)) {
	e.t.Helper()
	opts := gitsync.DefaultOptions()
	opts.ProgressInterval = 200 * time.Millisecond
	opts.Poll.JitterFraction = 0
	opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if mutate != nil {
		mutate(&opts)
	}
	mgr, err := apply.NewManager(cfg, apply.DefaultOptions())
	if err != nil {
		e.t.Fatal(err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.fetcher = source.NewFetcher(source.DefaultFetcherOptions())
	recorder, stopEvents, err := gitsync.NewEventRecorder(kube)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(stopEvents)
	e.rec = gitsync.NewReconciler(kube, dyn, e.fetcher, mgr, recorder, nil, opts)
	e.ctrl = gitsync.NewController(e.rec, e.ns)
	ctx, cancel := context.WithCancel(context.Background())
	e.stop, e.done = cancel, make(chan struct{})
	go func() {
		defer close(e.done)
		if err := e.ctrl.Run(ctx); err != nil {
			e.t.Errorf("controller: %v", err)
		}
	}()
	e.t.Cleanup(e.halt)
}

// halt stops the loop and waits for it.
func (e *env) halt() {
	if e.stop != nil {
		e.stop()
		<-e.done
		e.stop = nil
	}
}

func (e *env) createGitSync(name string, spec v1alpha1.GitSyncSpec) {
	e.t.Helper()
	gs := &v1alpha1.GitSync{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Spec: spec}
	u, err := gitsync.ToUnstructured(gs)
	if err != nil {
		e.t.Fatal(err)
	}
	delete(u.Object, "status")
	if _, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) gitSync(name string) *v1alpha1.GitSync {
	e.t.Helper()
	u, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	gs, err := gitsync.FromUnstructured(u)
	if err != nil {
		e.t.Fatal(err)
	}
	return gs
}

// waitFor polls the GitSync until cond holds.
func (e *env) waitFor(name string, timeout time.Duration, what string, cond func(*v1alpha1.GitSync) bool) *v1alpha1.GitSync {
	e.t.Helper()
	var last *v1alpha1.GitSync
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = e.gitSync(name)
		return cond(last), nil
	})
	if err != nil {
		st, _ := yaml.Marshal(last.Status)
		e.t.Fatalf("GitSync %s/%s: %s never happened; status:\n%s", e.ns, name, what, st)
	}
	return last
}

func ready(gs *v1alpha1.GitSync) (status, reason, msg string) {
	for _, c := range gs.Status.Conditions {
		if c.Type == gitsync.TypeReady {
			return string(c.Status), c.Reason, c.Message
		}
	}
	return "", "", ""
}

func appliedAt(rev string) func(*v1alpha1.GitSync) bool {
	return func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAppliedRevision == "main@sha1:"+rev && gs.Status.ObservedGeneration == gs.Generation
	}
}

// configMaps returns name → data["value"] of the ConfigMaps in the namespace.
func (e *env) configMaps() map[string]string {
	e.t.Helper()
	list, err := e.c.Client.CoreV1().ConfigMaps(e.ns).List(context.Background(), metav1.ListOptions{LabelSelector: gitsync.LabelName})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, cm := range list.Items {
		out[cm.Name] = cm.Data["value"]
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func exists(e *env, name string) bool {
	_, err := e.c.Client.CoreV1().ConfigMaps(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	return !apierrors.IsNotFound(err)
}

func (e *env) secret(name string, data map[string][]byte) {
	e.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Data: data}
	if _, err := e.c.Client.CoreV1().Secrets(e.ns).Create(e.t.Context(), s, metav1.CreateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) updateGitSync(name string, mutate func(*v1alpha1.GitSync)) {
	e.t.Helper()
	gs := e.gitSync(name)
	mutate(gs)
	u, err := gitsync.ToUnstructured(gs)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Update(e.t.Context(), u, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// waitEvent waits for an Event in the test's namespace with reason and a
// message containing text.
func (e *env) waitEvent(timeout time.Duration, reason, text string) {
	e.t.Helper()
	var seen []string
	err := wait.PollUntilContextTimeout(e.t.Context(), 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		list, err := e.c.Client.CoreV1().Events(e.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		seen = seen[:0]
		for _, ev := range list.Items {
			seen = append(seen, ev.Reason+": "+ev.Message)
			if ev.Reason == reason && strings.Contains(ev.Message, text) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		e.t.Fatalf("no %s event saying %q; events: %v", reason, text, seen)
	}
}

// waitGone waits until a GitSync no longer exists.
func (e *env) waitGone(name string) {
	e.t.Helper()
	err := wait.PollUntilContextTimeout(e.t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		e.t.Fatalf("GitSync %s/%s still exists: its finalizer was not removed", e.ns, name)
	}
}
