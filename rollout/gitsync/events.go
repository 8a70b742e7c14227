package gitsync

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
)

// NewEventRecorder records the loop's Events (component "ferry") in the
// cluster. Its scheme knows GitSync, so an Event can name one even when
// the object at hand carries no apiVersion and kind. stop flushes and
// ends the recording.
func NewEventRecorder(kube kubernetes.Interface) (rec record.EventRecorder, stop func(), err error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, nil, err
	}
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")})
	return b.NewRecorder(s, corev1.EventSource{Component: "ferry"}), b.Shutdown, nil
}
