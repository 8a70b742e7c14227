package apply

import (
	"errors"
	"testing"
)

func TestObjectRefForms(t *testing.T) {
	cases := []struct {
		ref                   ObjectRef
		id, subject, describe string
	}{
		{ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: "app"},
			"default_app__ConfigMap", "ConfigMap/default/app", "ConfigMap default/app"},
		{ObjectRef{Group: "apps.kruise.io", Version: "v1alpha1", Kind: "CloneSet", Namespace: "default", Name: "demo"},
			"default_demo_apps.kruise.io_CloneSet", "CloneSet/default/demo", "CloneSet default/demo"},
		{ObjectRef{Group: "apps.kruise.io", Version: "v1alpha1", Kind: "SidecarSet", Name: "log-agent"},
			"_log-agent_apps.kruise.io_SidecarSet", "SidecarSet/log-agent", "SidecarSet log-agent"},
	}
	for _, tc := range cases {
		if got := tc.ref.ID(); got != tc.id {
			t.Errorf("ID() = %q, want %q", got, tc.id)
		}
		if got := tc.ref.String(); got != tc.subject {
			t.Errorf("String() = %q, want %q", got, tc.subject)
		}
		if got := tc.ref.Describe(); got != tc.describe {
			t.Errorf("Describe() = %q, want %q", got, tc.describe)
		}
		back, err := ParseID(tc.id)
		if err != nil {
			t.Fatalf("ParseID(%q): %v", tc.id, err)
		}
		want := tc.ref
		want.Version = ""
		if back != want {
			t.Errorf("ParseID(%q) = %+v, want %+v", tc.id, back, want)
		}
	}
}

func TestParseIDRejects(t *testing.T) {
	for _, id := range []string{"", "a_b_c", "a_b_c_d_e", "ns__apps_Deployment", "ns_name_apps_"} {
		if _, err := ParseID(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ParseID(%q) error = %v, want ErrInvalidID", id, err)
		}
	}
}
