package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// maxEventRetries bounds the attempts to write one pod's Event.
const maxEventRetries = 5

// MissedReporterOptions configure a MissedReporter.
type MissedReporterOptions struct {
	// SkipNamespaces are never injected, so never reported.
	SkipNamespaces []string
	// ConfigName is the MutatingWebhookConfiguration named in the Events.
	ConfigName string
	// Instance is the Events' reportingInstance (at most 128 characters).
	Instance string
	Now      func() time.Time
	Log      *slog.Logger
}

// MissedReporter writes a Warning Event (ReasonSidecarNotInjected) on every
// pod that was admitted without the sidecars of a SidecarSet that selected
// it (see MissedSidecarSets), typically while the webhook was down under
// failurePolicy Ignore.
//
// It costs one pod watch and no polling: each pod is looked at once per
// process, when the informer first sees it (the initial listing on start,
// then each new pod), from the caches alone; only a pod that missed its
// sidecars costs a request, the Event's creation. Pods are kept in the cache
// as metadata and phase, without spec or status, and finished pods are not
// watched at all. A pod relabelled into a selector after its creation is not
// looked at again until the next start.
type MissedReporter struct {
	client     kubernetes.Interface
	sets       SidecarSets
	namespaces Namespaces
	opts       MissedReporterOptions
	pods       cache.SharedIndexInformer
	queue      workqueue.TypedRateLimitingInterface[string]
}

// NewMissedReporter sets up the pod informer and queue; Run starts them.
func NewMissedReporter(client kubernetes.Interface, sets SidecarSets, namespaces Namespaces, opts MissedReporterOptions) (*MissedReporter, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if len(opts.Instance) > 128 {
		opts.Instance = opts.Instance[:128]
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = "status.phase!=Succeeded,status.phase!=Failed"
		}),
		informers.WithTransform(slimPod))
	r := &MissedReporter{
		client: client, sets: sets, namespaces: namespaces, opts: opts,
		pods: factory.Core().V1().Pods().Informer(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "ferry-missed-sidecars"}),
	}
	_, err := r.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: r.enqueue})
	if err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	return r, nil
}

// slimPod keeps what MissedSidecarSets reads (metadata without
// managedFields, and the phase), so the cache holds no pod specs.
func slimPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	meta := *pod.ObjectMeta.DeepCopy()
	meta.ManagedFields = nil
	return &corev1.Pod{ObjectMeta: meta, Status: corev1.PodStatus{Phase: pod.Status.Phase}}, nil
}

func (r *MissedReporter) enqueue(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || slices.Contains(r.opts.SkipNamespaces, pod.Namespace) {
		return
	}
	r.queue.Add(pod.Namespace + "/" + pod.Name)
}

// Run watches pods until ctx ends. Pods are looked at once setsSynced says
// the SidecarSet and Namespace caches are full, so none is judged against a
// half-filled cache.
func (r *MissedReporter) Run(ctx context.Context, setsSynced func(context.Context) bool) {
	go func() {
		<-ctx.Done()
		r.queue.ShutDown()
	}()
	go r.pods.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), r.pods.HasSynced) || !setsSynced(ctx) {
		return
	}
	for r.next(ctx) {
	}
}

// next handles one queued pod; false once the queue is shut down.
func (r *MissedReporter) next(ctx context.Context) bool {
	key, quit := r.queue.Get()
	if quit {
		return false
	}
	defer r.queue.Done(key)
	err := r.report(ctx, key)
	switch {
	case err == nil:
		r.queue.Forget(key)
	case r.queue.NumRequeues(key) < maxEventRetries:
		r.queue.AddRateLimited(key)
	default:
		r.opts.Log.Error("report pod admitted without sidecars", "pod", key, "err", err)
		r.queue.Forget(key)
	}
	return true
}

// report writes the Event for one pod, if it missed any SidecarSet.
func (r *MissedReporter) report(ctx context.Context, key string) error {
	obj, ok, err := r.pods.GetStore().GetByKey(key)
	if err != nil || !ok {
		return err
	}
	pod := obj.(*corev1.Pod)
	ns, ok := r.namespaces.Namespace(pod.Namespace)
	if !ok {
		ns.Name = pod.Namespace
	}
	missed, err := MissedSidecarSets(pod, ns, r.sets.Prepared())
	if err != nil {
		// Unreadable injection annotations: the webhook would deny such a
		// pod too; nothing to retry.
		r.opts.Log.Warn("pod not checked for missed sidecars", "pod", key, "err", err)
		return nil
	}
	if len(missed) == 0 {
		return nil
	}
	ev := MissedEvent(pod, missed, r.opts.ConfigName, r.opts.Instance, r.opts.Now())
	_, err = r.client.EventsV1().Events(pod.Namespace).Create(ctx, ev, metav1.CreateOptions{FieldManager: fieldManager})
	switch {
	case apierrors.IsAlreadyExists(err), apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil
	case err != nil:
		return fmt.Errorf("event %s/%s: %w", pod.Namespace, ev.Name, err)
	}
	r.opts.Log.Warn("pod admitted without sidecars", "pod", key, "sidecarSets", missed, "event", ev.Name)
	return nil
}
