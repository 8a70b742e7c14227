package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/cloneset/engine/enginetest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// deploy/ installs ferry in a cluster; ferry's own render and apply install
// it here (dogfooding), and the engine, running as ferry's ServiceAccount
// with only the ferry-manager role (the cluster-admin binding for applying
// git's objects removed), creates a CloneSet's pods, rolls a new image out
// (specified-delete patches, deletions, a second ControllerRevision) and
// scales it in: the role holds everything the engine needs.
func TestDeployManifestsGiveTheEngineWhatItNeeds(t *testing.T) {
	c := cluster.Shared(t)
	ctx := context.Background()
	src, err := render.FromDir("../../deploy")
	if err != nil {
		t.Fatal(err)
	}
	out, err := render.Build(ctx, src, ".", render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mgr.Apply(ctx, out.Objects, apply.DefaultApplyOptions())
	if err != nil {
		t.Fatalf("apply deploy/: %v", err)
	}
	for _, want := range []string{"Deployment/ferry-system/ferry", "ClusterRole/ferry-manager", "ServiceAccount/ferry-system/ferry"} {
		found := false
		for _, e := range cs.Entries {
			found = found || e.Ref.String() == want
		}
		if !found {
			t.Errorf("deploy/ did not apply %s:\n%s", want, cs)
		}
	}
	if err := c.Client.RbacV1().ClusterRoleBindings().Delete(ctx, "ferry-apply", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	ns := c.Namespace(t)
	asFerry := rest.CopyConfig(c.Config)
	asFerry.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:ferry-system:ferry"}
	enginetest.Start(t, asFerry, ns)
	if out, err := applyStdin(c, ns, `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1"}]}
  updateStrategy: {maxUnavailable: 1}
`); err != nil {
		t.Fatal(err, out)
	}
	waitStatus := func(what, want string) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			out, err := c.Kubectl("-n", ns, "get", "clone", "web", "-o",
				"jsonpath={.status.replicas}/{.status.readyReplicas}/{.status.updatedReadyReplicas}")
			return err == nil && out == want, nil
		})
		if err != nil {
			out, _ := c.Kubectl("-n", ns, "get", "clone", "web", "-o", "yaml")
			t.Fatalf("the engine as ferry's ServiceAccount did not %s (want replicas/ready/updatedReady %s):\n%s", what, want, out)
		}
	}
	waitStatus("create the pods", "3/3/3")
	if out, err := c.Kubectl("-n", ns, "patch", "clone", "web", "--type=json",
		"-p", `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"web:2"}]`); err != nil {
		t.Fatal(err, out)
	}
	waitStatus("roll web:2 out", "3/3/3")
	var images string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		images, err = c.Kubectl("-n", ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {end}")
		return err == nil && images == "web:2 web:2 web:2 ", nil // the web:1 pods gone
	})
	if err != nil {
		t.Fatalf("pods run %q after the rollout, want web:2 three times", images)
	}
	if out, err := c.Kubectl("-n", ns, "scale", "clone", "web", "--replicas=1"); err != nil {
		t.Fatal(err, out)
	}
	waitStatus("scale in", "1/1/1")
}
