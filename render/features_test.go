package render

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Where no ferry feature is involved (no Kruise kinds, no SidecarSets), the
// render is byte-for-byte what kustomize prints for the same overlay on
// disk: generators and their hash suffixes, components, name prefixes,
// labels, images, replicas, patches and the legacy kind order. The golden
// file is the same output, recorded.
func TestBuildMatchesPlainKustomize(t *testing.T) {
	files := fixtureFiles(t, "features")
	dir := gitRepo(t, files)
	res, err := Build(context.Background(), headSource(t, dir), "overlays/prod", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "features-prod.yaml", res.YAML)

	// kustomize's own build of the same directory on disk, as kubectl
	// kustomize runs it.
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "overlays", "prod"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(res.YAML) {
		t.Errorf("render differs from kustomize on disk\n--- ferry:\n%s\n--- kustomize:\n%s", res.YAML, want)
	}
}

// Symlinks that stay inside the repository resolve within the tree: a
// symlinked overlay directory renders like its target.
func TestBuildFollowsSymlinksInsideRepo(t *testing.T) {
	files := withFiles(fixtureFiles(t, "demo"), map[string]string{
		"overlays/canary":         symlinkPrefix + "batch-1",
		"base/svc.yaml":           symlinkPrefix + "service.yaml",
		"base/kustomization.yaml": "namespace: demo\nresources: [namespace.yaml, cloneset.yaml, svc.yaml]\n",
	})
	dir := gitRepo(t, files)
	src := headSource(t, dir)
	canary, err := Build(context.Background(), src, "overlays/canary", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	batch1, err := Build(context.Background(), src, "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if string(canary.YAML) != string(batch1.YAML) {
		t.Errorf("symlinked overlay renders differently:\n%s\n---\n%s", canary.YAML, batch1.YAML)
	}
	golden(t, "demo-batch-1.yaml", canary.YAML)
}

// Provenance names the origin file and the patch files of every object;
// the buildMetadata ferry turns on internally never reaches the output.
func TestBuildProvenance(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	res, err := Build(context.Background(), headSource(t, dir), "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, o := range res.Objects {
		p := res.Provenance[i]
		got = append(got, fmt.Sprintf("%s from %s patched by %v", objectName(o), p.Origin.Path, p.Patches))
	}
	want := []string{
		"Namespace demo from base/namespace.yaml patched by [overlays/batch-1/partition.yaml]",
		"Service demo/demo from base/service.yaml patched by [overlays/batch-1/partition.yaml]",
		"CloneSet demo/demo from base/cloneset.yaml patched by [overlays/batch-1/partition.yaml]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("provenance:\n%q\nwant\n%q", got, want)
	}
	for _, o := range res.Objects {
		for k := range o.GetAnnotations() {
			if k == "config.kubernetes.io/origin" || k == "alpha.config.kubernetes.io/transformations" {
				t.Errorf("%s keeps build annotation %s", objectName(o), k)
			}
		}
	}
}

// A kustomization that asks for origin annotations itself keeps them.
func TestBuildKeepsRequestedBuildMetadata(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"app/kustomization.yaml": "resources: [cs.yaml]\nbuildMetadata: [originAnnotations]\n",
		"app/cs.yaml":            goodCloneSet,
	})
	res, err := Build(context.Background(), headSource(t, dir), "app", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := res.Objects[0].GetAnnotations()["config.kubernetes.io/origin"]
	if o != "path: cs.yaml\n" {
		t.Errorf("origin annotation = %q, want the one kustomize writes", o)
	}
}

// Rendering a working tree from disk sees uncommitted changes, and gives
// the same output as the commit when there are none.
func TestBuildFromDirectory(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	committed, err := Build(context.Background(), headSource(t, dir), "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	src, err := Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := Build(context.Background(), src, "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk.YAML) != string(committed.YAML) {
		t.Errorf("directory render differs from the commit render")
	}
	writeFiles(t, dir, map[string]string{"overlays/batch-1/partition.yaml": partitionPatch})
	if _, err := Build(context.Background(), src, "overlays/batch-1", testOptions()); err == nil {
		t.Errorf("uncommitted bad partition was not seen")
	}
	// --repo pointing into the repository: paths are relative to it, and
	// bases elsewhere in the repository still resolve.
	sub, err := Open(context.Background(), filepath.Join(dir, "overlays"), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(context.Background(), sub, "batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if string(res.YAML) != string(committed.YAML) || res.Path != "overlays/batch-1" {
		t.Errorf("render from a subdirectory: path %q, output differs: %v", res.Path, string(res.YAML) != string(committed.YAML))
	}
}

// --repo URL: a shallow in-memory clone of a branch or tag.
func TestOpenURL(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	runGit(t, dir, "tag", "v1")
	writeFiles(t, dir, map[string]string{"overlays/batch-1/partition.yaml": partitionPatch})
	gitCommit(t, dir, "bad partition")
	url := "file://" + dir
	for _, tc := range []struct {
		rev     string
		wantErr bool
	}{{"v1", false}, {"main", true}, {"", true}} {
		src, err := Open(context.Background(), url, tc.rev)
		if err != nil {
			t.Fatalf("open %s at %q: %v", url, tc.rev, err)
		}
		_, err = Build(context.Background(), src, "overlays/batch-1", testOptions())
		if (err != nil) != tc.wantErr {
			t.Errorf("rev %q: error %v, want error %v", tc.rev, err, tc.wantErr)
		}
	}
	if _, err := Open(context.Background(), url, "no-such-branch"); err == nil {
		t.Errorf("unknown branch: no error")
	}
}

// With AllowRemoteBases, kustomize fetches a git base (here over file://).
func TestBuildAllowsRemoteBasesWhenAsked(t *testing.T) {
	remote := gitRepo(t, fixtureFiles(t, "demo"))
	dir := gitRepo(t, map[string]string{
		"app/kustomization.yaml": fmt.Sprintf("resources:\n- file://%s//base?ref=main\n", remote),
	})
	if _, err := Build(context.Background(), headSource(t, dir), "app", testOptions()); err == nil {
		t.Fatal("remote base rendered without AllowRemoteBases")
	}
	opts := testOptions()
	opts.AllowRemoteBases = true
	res, err := Build(context.Background(), headSource(t, dir), "app", opts)
	if err != nil {
		t.Fatal(err)
	}
	if cs := find(t, res, "CloneSet", "demo"); cs.GetNamespace() != "demo" {
		t.Errorf("remote base CloneSet namespace = %q", cs.GetNamespace())
	}
	if p := res.Provenance[2].Origin; p.Repo == "" {
		t.Errorf("remote origin not recorded: %+v", p)
	}
}

// Builds run concurrently (the GitOps loop renders many GitSyncs at once).
func TestBuildConcurrently(t *testing.T) {
	dir := gitRepo(t, withFiles(fixtureFiles(t, "demo"), fixtureFilesUnder(t, "features", "features/")))
	want := map[string]string{}
	for _, p := range []string{"overlays/batch-1", "overlays/batch-2", "features/overlays/prod"} {
		res, err := Build(context.Background(), headSource(t, dir), p, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		want[p] = string(res.YAML)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := []string{"overlays/batch-1", "overlays/batch-2", "features/overlays/prod"}[i%3]
			res, err := Build(context.Background(), headSource(t, dir), p, testOptions())
			if err != nil {
				errs <- err
				return
			}
			if string(res.YAML) != want[p] {
				errs <- fmt.Errorf("%s: concurrent render differs", p)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func fixtureFilesUnder(t *testing.T, name, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range fixtureFiles(t, name) {
		out[prefix+k] = v
	}
	return out
}

// Patch files come from every kustomization between the root and the
// object's origin, components first, in the order kustomize applies them.
func TestBuildProvenanceThroughComponents(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "features"))
	res, err := Build(context.Background(), headSource(t, dir), "overlays/prod", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, o := range res.Objects {
		p := res.Provenance[i]
		got[o.GetKind()+" "+o.GetName()] = fmt.Sprintf("%s|%s|%v", p.Origin.Path, p.Origin.ConfiguredIn, p.Patches)
	}
	for obj, want := range map[string]string{
		"Deployment prod-app":               "base/deployment.yaml||[components/logging/log-volume.yaml overlays/prod/resources.yaml]",
		"ServiceAccount prod-app":           "overlays/prod/rbac.yaml||[components/logging/log-volume.yaml overlays/prod/resources.yaml]",
		"Secret prod-creds-975dt2t4hk":      "|overlays/prod/kustomization.yaml|[components/logging/log-volume.yaml overlays/prod/resources.yaml]",
		"ConfigMap prod-logging-62h42mch67": "|components/logging/kustomization.yaml|[components/logging/log-volume.yaml overlays/prod/resources.yaml]",
	} {
		if got[obj] != want {
			t.Errorf("%s: provenance %q, want %q", obj, got[obj], want)
		}
	}
}
