package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/rollout/apply"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ensureCRDs installs the CRDs ferry needs. ferry's own (ferry.dev) are
// always brought up to date; OpenKruise's are installed only where missing,
// so a cluster running OpenKruise keeps its own definitions.
func ensureCRDs(ctx context.Context, mgr *apply.Manager, dyn dynamic.Interface, log *slog.Logger) error {
	all, err := deploy.CRDObjects()
	if err != nil {
		return err
	}
	var objs []*unstructured.Unstructured
	for _, u := range all {
		if !strings.HasSuffix(u.GetName(), ".ferry.dev") {
			_, err := dyn.Resource(crdResource).Get(ctx, u.GetName(), metav1.GetOptions{})
			if err == nil {
				continue
			}
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("CustomResourceDefinition %s: %w", u.GetName(), err)
			}
		}
		objs = append(objs, u)
	}
	cs, err := mgr.Apply(ctx, objs, apply.DefaultApplyOptions())
	if err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	if cs.HasChanges() {
		log.Info("CRDs installed", "changes", cs.String())
	}
	return nil
}
