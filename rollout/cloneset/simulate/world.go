package simulate

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// epoch is the simulated clock's start; the simulation never reads the real clock.
var epoch = time.Date(2020, 5, 18, 0, 0, 0, 0, time.UTC)

// world is the simulated cluster: the CloneSet, its two revisions and its
// pods, and a clock that moves forward between steps.
type world struct {
	cs       *appsv1alpha1.CloneSet
	current  *appsv1.ControllerRevision
	update   *appsv1.ControllerRevision
	pods     []*corev1.Pod
	now      time.Time
	tick     time.Duration // time between steps: longer than minReadySeconds
	nextName int
	opts     plan.Options
}

func newWorld(cs *appsv1alpha1.CloneSet, current, update *appsv1.ControllerRevision, sc Scenario, opts plan.Options) (*world, error) {
	w := &world{cs: cs, current: current, update: update, opts: opts, now: epoch.Add(24 * time.Hour)}
	for _, p := range sc.Pods {
		if p.ready() && !p.available() && cs.Spec.MinReadySeconds < 1 {
			cs.Spec.MinReadySeconds = 1
		}
	}
	w.tick = time.Duration(cs.Spec.MinReadySeconds+10) * time.Second
	if sc.CurrentRevision == RevisionUpdate {
		cs.Status.CurrentRevision = update.Name
	} else {
		cs.Status.CurrentRevision = current.Name
	}
	cs.Status.UpdateRevision = update.Name
	taken := map[string]bool{}
	for _, p := range sc.Pods {
		taken[p.Name] = true
	}
	for i, sp := range sc.Pods {
		name := sp.Name
		if name == "" {
			name = w.freeName(taken)
		}
		taken[name] = true
		pod, err := w.initialPod(name, i, sp)
		if err != nil {
			return nil, err
		}
		w.pods = append(w.pods, pod)
	}
	return w, nil
}

// freeName numbers pods "<cloneset>-<n>", skipping names in use.
func (w *world) freeName(taken map[string]bool) string {
	for {
		name := w.cs.Name + "-" + strconv.Itoa(w.nextName)
		w.nextName++
		if !taken[name] {
			return name
		}
	}
}

func (w *world) initialPod(name string, i int, sp ScenarioPod) (*corev1.Pod, error) {
	rev := w.current
	if sp.Revision == RevisionUpdate {
		rev = w.update
	}
	pod, err := plan.NewPod(w.cs, rev, "x", epoch)
	if err != nil {
		return nil, err
	}
	pod.Name = name
	pod.CreationTimestamp = metav1.NewTime(epoch.Add(time.Duration(i) * time.Second))
	pod.Spec.NodeName = "node-" + name
	state := sp.LifecycleState
	if state == "" {
		state = appspub.LifecycleStateNormal
	}
	pod.Labels[plan.LabelLifecycleState] = string(state)
	delete(pod.Labels, appsv1alpha1.CloneSetInstanceID)
	if sp.SpecifiedDelete {
		pod.Labels[plan.LabelSpecifiedDelete] = "true"
	}
	pod.Status.Phase = corev1.PodRunning
	setCondition(pod, appspub.InPlaceUpdateReady, true, epoch)
	switch {
	case !sp.ready():
		setCondition(pod, corev1.PodReady, false, epoch)
	case sp.available():
		setCondition(pod, corev1.PodReady, true, epoch.Add(time.Duration(i)*time.Second))
	default:
		setCondition(pod, corev1.PodReady, true, w.now)
	}
	return pod, nil
}

func (w *world) input() plan.Input {
	return plan.Input{
		CloneSet:        w.cs,
		Pods:            w.pods,
		Revisions:       []*appsv1.ControllerRevision{w.current, w.update},
		CurrentRevision: w.cs.Status.CurrentRevision,
		UpdateRevision:  w.update.Name,
		Now:             w.now,
		Options:         w.opts,
	}
}

func (w *world) pod(name string) (int, *corev1.Pod) {
	for i, p := range w.pods {
		if p.Name == name {
			return i, p
		}
	}
	return -1, nil
}

// apply carries out a plan on the simulated pods as an executor would.
func (w *world) apply(p plan.Plan) error {
	for _, ch := range p.Lifecycle {
		if err := w.replace(ch.Pod, func(pod *corev1.Pod) (*corev1.Pod, error) {
			return plan.ApplyLifecycle(pod, ch, w.now), nil
		}); err != nil {
			return err
		}
	}
	for _, r := range p.Refresh {
		if err := w.replace(r.Pod, func(pod *corev1.Pod) (*corev1.Pod, error) { return w.refresh(pod, r) }); err != nil {
			return err
		}
	}
	for _, c := range p.Creates {
		if err := w.create(c); err != nil {
			return err
		}
	}
	for _, d := range p.Deletes {
		i, pod := w.pod(d.Pod)
		if pod == nil {
			return fmt.Errorf("delete: no pod %s", d.Pod)
		}
		w.pods = append(w.pods[:i], w.pods[i+1:]...)
	}
	for _, u := range p.Updates {
		if err := w.replace(u.Pod, func(pod *corev1.Pod) (*corev1.Pod, error) { return w.updatePod(pod, u) }); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) replace(name string, f func(*corev1.Pod) (*corev1.Pod, error)) error {
	i, pod := w.pod(name)
	if pod == nil {
		return fmt.Errorf("no pod %s", name)
	}
	out, err := f(pod)
	if err != nil {
		return err
	}
	w.pods[i] = out
	return nil
}

func (w *world) refresh(pod *corev1.Pod, r plan.PodRefresh) (*corev1.Pod, error) {
	switch r.Action {
	case plan.RefreshSetInPlaceReady:
		out := pod.DeepCopy()
		setCondition(out, appspub.InPlaceUpdateReady, true, w.now)
		return out, nil
	case plan.RefreshFinishGrace:
		return plan.ApplyGraceFinished(pod)
	case plan.RefreshDropGrace:
		out := pod.DeepCopy()
		delete(out.Annotations, plan.AnnotationInPlaceGrace)
		return out, nil
	case plan.RefreshBackfillTemplateHash:
		out := pod.DeepCopy()
		out.Labels[plan.LabelTemplateHash] = r.TemplateHash
		return out, nil
	}
	return nil, fmt.Errorf("pod %s: unknown refresh action %q", pod.Name, r.Action)
}

func (w *world) create(c plan.PodCreate) error {
	rev := w.update
	if c.Revision == w.current.Name {
		rev = w.current
	}
	taken := map[string]bool{}
	for _, p := range w.pods {
		taken[p.Name] = true
	}
	name := w.freeName(taken)
	pod, err := plan.NewPod(w.cs, rev, name[len(w.cs.Name)+1:], w.now)
	if err != nil {
		return err
	}
	pod.CreationTimestamp = metav1.NewTime(w.now)
	pod.Spec.NodeName = "node-" + pod.Name
	pod.Status.Phase = corev1.PodPending
	w.pods = append(w.pods, pod)
	return nil
}

func (w *world) updatePod(pod *corev1.Pod, u plan.PodUpdate) (*corev1.Pod, error) {
	if u.Method == plan.UpdateRecreate {
		return plan.MarkSpecifiedDelete(pod), nil
	}
	out := pod.DeepCopy()
	setCondition(out, appspub.InPlaceUpdateReady, false, w.now)
	setCondition(out, corev1.PodReady, false, w.now)
	return plan.ApplyInPlaceUpdate(out, u.InPlace, w.now)
}

// settle moves the clock one tick and lets every pod do what the kubelet
// would: run, pass its probes, report the in-place update done.
func (w *world) settle() {
	w.now = w.now.Add(w.tick)
	for i, pod := range w.pods {
		out := pod.DeepCopy()
		out.Status.Phase = corev1.PodRunning
		if !plan.IsPodReady(out) || !readyCondition(out) {
			setCondition(out, corev1.PodReady, true, w.now.Add(-w.tick+time.Second))
		}
		w.pods[i] = out
	}
}

func readyCondition(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func setCondition(pod *corev1.Pod, t corev1.PodConditionType, ok bool, at time.Time) {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			if pod.Status.Conditions[i].Status != status {
				pod.Status.Conditions[i].Status = status
				pod.Status.Conditions[i].LastTransitionTime = metav1.NewTime(at)
			}
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: status, LastTransitionTime: metav1.NewTime(at)})
}

// counts are the numbers a step reports.
type counts struct{ total, updated, ready, available int }

func (w *world) count() counts {
	c := counts{total: len(w.pods)}
	for _, p := range w.pods {
		if plan.IsAtRevision(p, w.update.Name) {
			c.updated++
		}
		if plan.IsPodReady(p) {
			c.ready++
		}
		if plan.IsPodAvailable(p, w.cs.Spec.MinReadySeconds, w.now) {
			c.available++
		}
	}
	return c
}

// allAvailable reports whether every pod is available, so that a pass with
// nothing to do means the rollout is settled rather than waiting.
func (w *world) allAvailable() bool {
	c := w.count()
	return c.available == c.total
}
