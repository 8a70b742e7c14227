package rollouttest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ferry-gitops/ferry/deploy"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
)

var (
	crdOnce sync.Once
	crdErr  error
)

// InstallCRDs applies deploy/crds (server-side) once per process and waits
// until every CRD is Established.
func InstallCRDs(cfg *rest.Config) error {
	crdOnce.Do(func() { crdErr = installCRDs(context.Background(), cfg) })
	return crdErr
}

func installCRDs(ctx context.Context, cfg *rest.Config) error {
	client, err := apiextensions.NewForConfig(cfg)
	if err != nil {
		return err
	}
	objs, err := deploy.CRDObjects()
	if err != nil {
		return err
	}
	for _, u := range objs {
		name := u.GetName()
		body, err := u.MarshalJSON()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		_, err = client.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, name, types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "ferry-e2e", Force: ptrTrue()})
		if err != nil {
			return fmt.Errorf("apply %s: %w", name, err)
		}
		err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, c := range got.Status.Conditions {
				if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("crd %s never Established: %w", name, err)
		}
	}
	return nil
}

func ptrTrue() *bool { t := true; return &t }
