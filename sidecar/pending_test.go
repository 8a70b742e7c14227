package sidecar

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPendingAgreesWithInject checks, on every successful testdata/inject
// case, that Pending names exactly the SidecarSets the injection injects, and
// none once the template is injected.
func TestPendingAgreesWithInject(t *testing.T) {
	for file, c := range loadCases(t) {
		if len(c.Want.Errors) > 0 {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			in, err := NewInjector(c.SidecarSets, c.options())
			if err != nil {
				t.Fatal(err)
			}
			tpl := c.Template.DeepCopy()
			pending, err := in.Pending(&tpl.ObjectMeta, c.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			res, err := in.InjectTemplate(tpl, c.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{}, res.Injected...); !reflect.DeepEqual(pending, want) {
				t.Errorf("Pending %v, InjectTemplate injected %v", pending, want)
			}
			after, err := in.Pending(&tpl.ObjectMeta, c.Namespace)
			if err != nil || len(after) != 0 {
				t.Errorf("Pending after injection: %v %v, want none", after, err)
			}
		})
	}
}
