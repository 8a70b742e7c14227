package apply

import (
	"encoding/json"
	"reflect"
	"testing"
)

func inv(entries ...string) Inventory {
	// entries are "id@version"
	i := Inventory{Entries: []InventoryEntry{}}
	for _, e := range entries {
		id, v, _ := cut(e)
		i.Entries = append(i.Entries, InventoryEntry{ID: id, Version: v})
	}
	return i
}

func cut(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestPruneCandidates(t *testing.T) {
	cases := []struct {
		name              string
		previous, current Inventory
		want              []string
	}{
		{"nothing left", inv("default_a__ConfigMap@v1"), inv("default_a__ConfigMap@v1"), nil},
		{"one removed", inv("default_a__ConfigMap@v1", "default_web_apps_Deployment@v1"), inv("default_web_apps_Deployment@v1"),
			[]string{"ConfigMap/default/a"}},
		{"version change is not a removal", inv("default_a_apps.kruise.io_CloneSet@v1alpha1"), inv("default_a_apps.kruise.io_CloneSet@v1beta1"), nil},
		{"first apply", inv(), inv("default_a__ConfigMap@v1"), nil},
		{"moved namespace", inv("old_a__ConfigMap@v1"), inv("new_a__ConfigMap@v1"), []string{"ConfigMap/old/a"}},
		{"everything removed, reverse kind order", inv(
			"_team__Namespace@v1",
			"team_cfg__ConfigMap@v1",
			"team_web_apps_Deployment@v1",
			"_widgets.test.ferry.dev_apiextensions.k8s.io_CustomResourceDefinition@v1",
			"_hook_admissionregistration.k8s.io_MutatingWebhookConfiguration@v1",
		), inv(), []string{
			"MutatingWebhookConfiguration/hook",
			"Deployment/team/web",
			"ConfigMap/team/cfg",
			"Namespace/team",
			"CustomResourceDefinition/widgets.test.ferry.dev",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PruneCandidates(tc.previous, tc.current)
			if err != nil {
				t.Fatal(err)
			}
			var subjects []string
			for _, r := range got {
				subjects = append(subjects, r.String())
				if r.Version == "" {
					t.Errorf("%s lost its version", r)
				}
			}
			if !reflect.DeepEqual(subjects, tc.want) {
				t.Fatalf("got %q, want %q", subjects, tc.want)
			}
		})
	}
}

func TestPruneCandidatesRejectsBadIDs(t *testing.T) {
	if _, err := PruneCandidates(inv("bad@v1"), inv()); err == nil {
		t.Fatal("bad previous id accepted")
	}
	if _, err := PruneCandidates(inv(), inv("bad@v1")); err == nil {
		t.Fatal("bad current id accepted")
	}
}

func TestInventoryJSONAndDeterminism(t *testing.T) {
	refs := []ObjectRef{
		{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "default", Name: "web"},
		{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: "app"},
		{Group: "apps.kruise.io", Version: "v1alpha1", Kind: "SidecarSet", Name: "log"},
		{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: "app"},
	}
	a := NewInventory(refs)
	b := NewInventory([]ObjectRef{refs[2], refs[1], refs[0]})
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entries":[{"id":"_log_apps.kruise.io_SidecarSet","v":"v1alpha1"},{"id":"default_app__ConfigMap","v":"v1"},{"id":"default_web_apps_Deployment","v":"v1"}]}`
	if string(raw) != want {
		t.Fatalf("json %s\nwant %s", raw, want)
	}
	rawB, _ := json.Marshal(b)
	if string(rawB) != want {
		t.Fatalf("order of input changed the inventory: %s", rawB)
	}
	var back Inventory
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, a) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	got, err := back.Refs()
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != "ConfigMap/default/app\nSidecarSet/log\nDeployment/default/web" {
		t.Fatalf("refs in apply order:\n%s", names(got))
	}
	if got[0].Version != "v1" || got[1].Version != "v1alpha1" {
		t.Fatalf("versions lost: %+v", got)
	}
}

func TestInventoryOfSkipsSkippedAndDeleted(t *testing.T) {
	cs := &ChangeSet{}
	cs.Add(
		ChangeSetEntry{Ref: ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "a"}, Action: Created},
		ChangeSetEntry{Ref: ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "b"}, Action: Unchanged},
		ChangeSetEntry{Ref: ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "c"}, Action: Configured},
		ChangeSetEntry{Ref: ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "x"}, Action: Skipped},
		ChangeSetEntry{Ref: ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "y"}, Action: Deleted},
	)
	got := InventoryOf(cs)
	want := inv("d_a__ConfigMap@v1", "d_b__ConfigMap@v1", "d_c__ConfigMap@v1")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	merged, err := got.Merge(ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "d", Name: "y"})
	if err != nil || merged.Len() != 4 {
		t.Fatalf("merge: %+v %v", merged, err)
	}
}
