package apply

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKindInstalledByAnotherToolIsFound: the Manager's discovery cache is
// warm and predates the CRD; applying an object of the new kind refreshes
// it instead of failing with an unknown kind.
func TestKindInstalledByAnotherToolIsFound(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() { _ = e.dyn.Resource(gvrCRDs).Delete(e.ctx, "sprockets.test.ferry.dev", metav1.DeleteOptions{}) })
	objs := fixture(t, "sprocket.yaml", e.ns)
	e.apply(t, fixture(t, "drift.yaml", e.ns)) // fills the discovery cache

	if _, err := e.dyn.Resource(gvrCRDs).Create(e.ctx, objs[0], metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Wait(e.ctx, []ObjectRef{RefOf(objs[0])}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	cs := e.apply(t, objs[1:])
	if got, want := cs.String(), fmt.Sprintf("Sprocket/%s/s created", e.ns); got != want {
		t.Fatalf("apply: %s, want %s", got, want)
	}
}

// TestLabelsAreStampedOnEveryObject: ApplyOptions.Labels reach every
// object, so even a bare ServiceAccount has a field ferry owns.
func TestLabelsAreStampedOnEveryObject(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Labels = map[string]string{"ferry.dev/gitsync": "demo"}
	objs := fixture(t, "basic.yaml", e.ns)
	if _, err := e.m.Apply(e.ctx, objs, opts); err != nil {
		t.Fatal(err)
	}
	sa, err := e.c.Client.CoreV1().ServiceAccounts(e.ns).Get(e.ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sa.Labels["ferry.dev/gitsync"] != "demo" {
		t.Fatalf("labels %v", sa.Labels)
	}
	found := false
	for _, f := range sa.ManagedFields {
		found = found || (f.Manager == FieldManager && f.Operation == metav1.ManagedFieldsOperationApply)
	}
	if !found {
		t.Fatal("ferry owns no field of the ServiceAccount")
	}
	if objs[0].GetLabels()["ferry.dev/gitsync"] != "" {
		t.Fatal("Apply changed its input's labels")
	}
	cs, err := e.m.Apply(e.ctx, objs, opts)
	if err != nil || cs.HasChanges() {
		t.Fatalf("re-apply with labels: %v\n%s", err, cs)
	}
}
