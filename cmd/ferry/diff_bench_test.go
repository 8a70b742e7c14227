package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ferry-gitops/ferry/source/gittest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// benchApps × 5 objects = 500: per app a CloneSet, a Service, a ConfigMap,
// a Secret and a ServiceAccount; one SidecarSet on top is injected into
// every CloneSet (ferry only; kubectl does not inject).
const benchApps = 100

// benchFiles is one revision of the benchmark repository. The head
// revision ships a new image to every fifth app and changes every tenth
// app's config.
func benchFiles(head bool) map[string]string {
	files := map[string]string{}
	var resources bytes.Buffer
	resources.WriteString("resources:\n- sidecarset.yaml\n")
	for i := range benchApps {
		image, config := "1.0", "level=info"
		if head && i%5 == 0 {
			image = "1.1"
		}
		if head && i%10 == 0 {
			config = "level=debug"
		}
		name := fmt.Sprintf("app-%03d", i)
		fmt.Fprintf(&resources, "- %s.yaml\n", name)
		files["base/"+name+".yaml"] = fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: %[1]s, annotations: {ferry.dev/batches: "3,1,0"}}
spec:
  replicas: 5
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s, logging: "on"}}
    spec:
      serviceAccountName: %[1]s
      containers:
      - name: app
        image: registry.example/%[1]s:%[2]s
        ports: [{name: http, containerPort: 8080}]
        envFrom: [{configMapRef: {name: %[1]s}}, {secretRef: {name: %[1]s}}]
  updateStrategy: {type: InPlaceIfPossible, maxSurge: 20%%, maxUnavailable: 0, partition: 0}
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec:
  selector: {app: %[1]s}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: %[1]s}
data: {app.properties: "%[3]s\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: %[1]s}
stringData: {token: not-a-secret}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: %[1]s}
`, name, image, config)
	}
	files["base/kustomization.yaml"] = resources.String()
	files["base/sidecarset.yaml"] = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: log-collector}
spec:
  selector: {matchLabels: {logging: "on"}}
  containers:
  - {name: log-collector, image: "registry.example/fluent-bit:2.2", podInjectPolicy: AfterAppContainer}
`
	files["overlays/prod/kustomization.yaml"] = "namespace: prod\nresources:\n- ../../base\n"
	return files
}

func writeTree(b *testing.B, dir string, files map[string]string) {
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiff500 times `ferry diff` (in process: render both revisions
// from git, injection included, compare, simulate the 20 rollouts, print
// markdown) against what a CI job does without ferry: `kubectl kustomize`
// of each revision's checkout and `diff -u` of the two outputs, in the
// same run on the same machine. ferry/kubectl is the time ratio; the kubectl
// side reports its processes' summed peak RSS (kubectl's own B/op is not
// visible to Go).
func BenchmarkDiff500(b *testing.B) {
	r := gittest.NewRepo(b, b.TempDir(), "bench.git")
	r.Commit(benchFiles(false), "base")
	r.Commit(benchFiles(true), "release")
	checkouts := b.TempDir()
	writeTree(b, filepath.Join(checkouts, "base"), benchFiles(false))
	writeTree(b, filepath.Join(checkouts, "head"), benchFiles(true))

	var ferryNs float64
	b.Run("ferry", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			cmd := newRootCommand(io.Discard, io.Discard)
			cmd.SetArgs([]string{"diff", "--repo", r.Work, "--base", "HEAD~1", "--head", "HEAD", "overlays/prod", "-o", "markdown"})
			if err := cmd.Execute(); exitCode(err) != 1 {
				b.Fatalf("ferry diff: %v", err)
			}
		}
		ferryNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("kubectl-kustomize-x2+diff-u", func(b *testing.B) {
		bin, err := cluster.BuildBinaries()
		if err != nil {
			b.Skipf("no kubectl: %v", err)
		}
		kubectl := filepath.Join(bin, "kubectl")
		out := b.TempDir()
		var rss int64
		for range b.N {
			rss = 0
			for _, side := range []string{"base", "head"} {
				f, err := os.Create(filepath.Join(out, side+".yaml"))
				if err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(kubectl, "kustomize", filepath.Join(checkouts, side, "overlays", "prod"))
				cmd.Stdout = f
				if err := cmd.Run(); err != nil {
					b.Fatalf("kubectl kustomize %s: %v", side, err)
				}
				f.Close()
				rss += maxRSS(cmd)
			}
			cmd := exec.Command("diff", "-u", filepath.Join(out, "base.yaml"), filepath.Join(out, "head.yaml"))
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err == nil {
				b.Fatal("diff -u found no difference")
			}
			rss += maxRSS(cmd)
		}
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(rss)/1024, "peak-RSS-MiB")
		if ferryNs > 0 {
			b.ReportMetric(ferryNs/ns, "ferry/kubectl")
		}
	})
}

// maxRSS is a finished process's peak resident set in KiB (Linux rusage).
func maxRSS(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
