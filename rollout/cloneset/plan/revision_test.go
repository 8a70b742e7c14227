package plan

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
)

func TestRevisionData(t *testing.T) {
	cs := testCloneSet(5, "", "", "")
	data, err := RevisionData(&cs.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"demo"}},` +
		`"spec":{"containers":[{"image":"nginx:1","name":"app","resources":{}}]}}}}`
	if string(data) != want {
		t.Errorf("data\n got  %s\n want %s", data, want)
	}
	tpl, err := RevisionTemplate(&appsv1.ControllerRevision{Data: runtimeRaw(data)})
	if err != nil || tpl.Spec.Containers[0].Image != "nginx:1" || tpl.Labels["app"] != "demo" {
		t.Errorf("template read back: %+v, %v", tpl, err)
	}
}

func TestRevisionNameAndHash(t *testing.T) {
	cs := testCloneSet(5, "", "", "")
	rev, err := NewRevision(cs, 3, ptr.To[int32](0))
	if err != nil {
		t.Fatal(err)
	}
	// fnv32 of the data then "0", in decimal, re-spelled in the safe alphabet
	h := fnv.New32()
	h.Write(rev.Data.Raw)
	h.Write([]byte("0"))
	wantHash := rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
	if rev.Name != "demo-"+wantHash || rev.Labels[LabelRevisionDataHash] != wantHash || rev.Labels["app"] != "demo" || rev.Revision != 3 {
		t.Errorf("revision %s labels %v revision %d, want demo-%s", rev.Name, rev.Labels, rev.Revision, wantHash)
	}
	if ref := rev.OwnerReferences[0]; ref.Kind != "CloneSet" || ref.APIVersion != "apps.kruise.io/v1alpha1" || !*ref.Controller {
		t.Errorf("owner %+v", ref)
	}
	again, _ := NewRevision(cs, 3, ptr.To[int32](0))
	other, _ := NewRevision(cs, 3, ptr.To[int32](1))
	if again.Name != rev.Name || other.Name == rev.Name {
		t.Errorf("name not a function of data and collision count: %s %s %s", rev.Name, again.Name, other.Name)
	}
	if long := RevisionName(strings.Repeat("a", 300), "h"); len(long) != 225 {
		t.Errorf("long name length %d", len(long))
	}
}

func TestChooseRevisions(t *testing.T) {
	v1 := testCloneSet(5, "", "", "")
	v2 := v1.DeepCopy()
	v2.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	zero := ptr.To[int32](0)
	r1, _ := NewRevision(v1, 1, zero)
	r2, _ := NewRevision(v2, 2, zero)

	// first revision: create it, current = update
	c, err := ChooseRevisions(v1, nil)
	if err != nil || c.Create == nil || c.Create.Name != r1.Name || c.Current != r1.Name || c.Update != r1.Name {
		t.Fatalf("first: %+v %v", c, err)
	}
	// template changed: create r2, current stays r1
	v2.Status.CurrentRevision = r1.Name
	c, _ = ChooseRevisions(v2, []*appsv1.ControllerRevision{r1})
	if c.Create == nil || c.Create.Name != r2.Name || c.Create.Revision != 2 || c.Current != r1.Name || c.Update != r2.Name {
		t.Errorf("change: %+v", c)
	}
	// unchanged: reuse the newest
	c, _ = ChooseRevisions(v2, []*appsv1.ControllerRevision{r2, r1})
	if c.Create != nil || c.Renumber != nil || c.Update != r2.Name {
		t.Errorf("unchanged: %+v", c)
	}
	// back to v1's template: reuse r1's name, renumbered to 3
	back := v1.DeepCopy()
	back.Status.CurrentRevision = r2.Name
	c, _ = ChooseRevisions(back, []*appsv1.ControllerRevision{r1, r2})
	if c.Create != nil || c.Renumber == nil || c.Renumber.Name != r1.Name || c.RenumberTo != 3 || c.Update != r1.Name || c.Current != r2.Name {
		t.Errorf("rollback: %+v", c)
	}
	// the name is taken by other data: collision count goes up, name changes
	impostor := r2.DeepCopy()
	impostor.Data.Raw = []byte(`{"other":true}`)
	v2.Status.CurrentRevision = ""
	c, _ = ChooseRevisions(v2, []*appsv1.ControllerRevision{impostor})
	if c.CollisionCount != 1 || c.Create == nil || c.Create.Name == r2.Name {
		t.Errorf("collision: %+v", c)
	}
}

func TestRevisionsToDelete(t *testing.T) {
	cs := testCloneSet(1, "", "", "")
	cs.Spec.RevisionHistoryLimit = ptr.To[int32](2)
	var revs []*appsv1.ControllerRevision
	for i := 1; i <= 7; i++ {
		revs = append(revs, &appsv1.ControllerRevision{Revision: int64(i)})
		revs[i-1].Name = fmt.Sprintf("demo-r%d", i)
	}
	pods := testPods(t, "1o")
	pods[0].Labels[LabelRevisionHash] = "demo-r2" // r2 is live
	// current r6, update r7, live r2: history r1 r3 r4 r5, keep the 2 newest
	got := RevisionsToDelete(cs, revs, "demo-r6", "demo-r7", pods)
	if want := []string{"demo-r1", "demo-r3"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	cs.Spec.RevisionHistoryLimit = nil // default 10
	if got := RevisionsToDelete(cs, revs, "demo-r6", "demo-r7", pods); got != nil {
		t.Errorf("default limit: got %v", got)
	}
}
