package apply

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// decode reads a multi-document YAML stream into objects.
func decode(t testing.TB, raw []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(u)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// fixture loads testdata/name with __NS__ replaced by the test namespace.
func fixture(t testing.TB, name, ns string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, bytes.ReplaceAll(raw, []byte("__NS__"), []byte(ns)))
}

// kruiseCRDs returns OpenKruise's CRDs as ferry ships them.
func kruiseCRDs(t testing.TB) []*unstructured.Unstructured {
	t.Helper()
	objs, err := deploy.CRDObjects()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// writeCounter counts the requests that change the cluster: every
// non-read request that is not a dry-run.
type writeCounter struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) RoundTrip(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !r.URL.Query().Has("dryRun") {
			w.mu.Lock()
			w.writes = append(w.writes, r.Method+" "+r.URL.Path)
			w.mu.Unlock()
		}
		return next.RoundTrip(r)
	})
}

func (w *writeCounter) reset() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.writes
	w.writes = nil
	sort.Strings(out)
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// env is one test's view of the shared control plane: a fresh namespace, a
// Manager whose writes are counted, and a dynamic client for checks.
type env struct {
	c      *cluster.Cluster
	ns     string
	m      *Manager
	writes *writeCounter
	dyn    dynamic.Interface
	ctx    context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := cluster.Shared(t)
	e := &env{c: c, ns: c.Namespace(t), writes: &writeCounter{}, ctx: context.Background()}
	cfg := rest.CopyConfig(c.Config)
	cfg.Wrap(e.writes.RoundTrip)
	opts := DefaultOptions()
	opts.PollInterval = 100 * time.Millisecond
	m, err := NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	if e.dyn, err = dynamic.NewForConfig(c.Config); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) opts() ApplyOptions {
	o := DefaultApplyOptions()
	o.DefaultNamespace = e.ns
	return o
}

// apply applies objects and fails the test on error.
func (e *env) apply(t *testing.T, objs []*unstructured.Unstructured) *ChangeSet {
	t.Helper()
	cs, err := e.m.Apply(e.ctx, objs, e.opts())
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return cs
}

var (
	gvrConfigMaps  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrDeployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvrCloneSets   = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "clonesets"}
	gvrSidecarSets = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}
	gvrCRDs        = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	gvrNamespaces  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// get reads a live object or fails.
func (e *env) get(t *testing.T, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := e.dyn.Resource(gvr).Namespace(ns).Get(e.ctx, name, metaGet)
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	return u
}

// exists reports whether an object exists and is not being deleted.
func (e *env) exists(t *testing.T, gvr schema.GroupVersionResource, ns, name string) bool {
	t.Helper()
	u, err := e.dyn.Resource(gvr).Namespace(ns).Get(e.ctx, name, metaGet)
	return err == nil && u.GetDeletionTimestamp() == nil
}

var metaGet = metav1.GetOptions{}

func subjects(cs *ChangeSet) string {
	return strings.ReplaceAll(cs.String(), "\n", "; ")
}

func gvrOf(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}
