package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ferry-gitops/ferry/render"
)

// ferry render prints exactly what render.Build renders.
func TestRenderPrintsBuild(t *testing.T) {
	src, err := render.Open(context.Background(), "../../examples", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Build(context.Background(), src, "overlays/prod", render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	out, err := runFerry(t, "render", "--repo", "../../examples", "--rev", "", "overlays/prod")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(res.YAML) {
		t.Errorf("ferry render printed:\n%s\nwant:\n%s", out, res.YAML)
	}

	out, err = runFerry(t, "render", "--repo", "../../examples", "--rev", "", "overlays/prod", "overlays/prod", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Items      []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2*len(res.Objects) {
		t.Errorf("-o json: %s %s with %d items, want v1 List with %d", list.APIVersion, list.Kind, len(list.Items), 2*len(res.Objects))
	}
}

// On error ferry render prints nothing to stdout.
func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"render", "--repo", "../../examples", "--rev", "", "overlays/prod", "overlays/nope"}, "overlays/nope"},
		{[]string{"render", "--repo", "../../examples", "--rev", "", "-o", "xml", "overlays/prod"}, "--output"},
		{[]string{"render", "--repo", "../../examples", "--rev", ""}, "requires at least 1 arg"},
	} {
		out, err := runFerry(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
		if out != "" {
			t.Errorf("%v: printed %q on error", tc.args, out)
		}
	}
}
