package apply

import "testing"

func TestChangeSetString(t *testing.T) {
	cs := &ChangeSet{}
	cs.Add(
		ChangeSetEntry{Ref: ObjectRef{Group: "apps.kruise.io", Kind: "CloneSet", Namespace: "default", Name: "demo"}, Action: Configured},
		ChangeSetEntry{Ref: ObjectRef{Group: "apps.kruise.io", Kind: "SidecarSet", Name: "log"}, Action: Unchanged},
		ChangeSetEntry{Ref: ObjectRef{Kind: "ConfigMap", Namespace: "default", Name: "keep"}, Action: Skipped, Reason: "prune disabled by annotation ferry.dev/prune"},
	)
	want := "CloneSet/default/demo configured\nSidecarSet/log unchanged\nConfigMap/default/keep skipped (prune disabled by annotation ferry.dev/prune)"
	if got := cs.String(); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if cs.Count(Configured) != 1 || cs.Count(Created) != 0 || !cs.HasChanges() {
		t.Fatalf("counts wrong: %+v", cs)
	}
	if e, ok := cs.Entry("_log_apps.kruise.io_SidecarSet"); !ok || e.Action != Unchanged {
		t.Fatalf("Entry lookup: %+v %v", e, ok)
	}
	var empty *ChangeSet
	if empty.String() != "" || empty.HasChanges() {
		t.Fatal("nil change set")
	}
}
