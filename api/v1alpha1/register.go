package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is ferry.dev/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: "ferry.dev", Version: "v1alpha1"}

// GitSyncResource is the GitSync resource for dynamic clients and informers.
var GitSyncResource = GroupVersion.WithResource("gitsyncs")

// AddToScheme registers the types of this package.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &GitSync{}, &GitSyncList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
