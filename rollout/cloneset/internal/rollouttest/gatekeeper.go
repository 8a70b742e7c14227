package rollouttest

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// GateCondition is a readiness gate tests put in a pod template so that they
// decide when a new pod becomes Ready (kwok makes a pod Ready only when
// every gate's condition is True).
const GateCondition corev1.PodConditionType = "e2e.ferry.dev/ready"

// Gatekeeper sets GateCondition True on every pod of a namespace that
// lacks it, unless held. Holding freezes a rollout at a chosen point: new
// pods stay not ready, so the engine waits, and the test can look.
type Gatekeeper struct {
	kube kubernetes.Interface
	ns   string
	mu   sync.Mutex
	held bool
	sent map[types.UID]bool
	obs  *Observer
	work chan *corev1.Pod
}

// NewGatekeeper opens the gate for the pods the observer sees.
func NewGatekeeper(kube kubernetes.Interface, obs *Observer) *Gatekeeper {
	g := &Gatekeeper{kube: kube, obs: obs, sent: map[types.UID]bool{}, work: make(chan *corev1.Pod, 10000)}
	go g.run()
	obs.OnPod(g.offer)
	for _, p := range obs.Pods() {
		g.offer(p)
	}
	return g
}

// Hold keeps new pods not ready until Release.
func (g *Gatekeeper) Hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held = true
}

// Release opens the gate for every waiting pod.
func (g *Gatekeeper) Release() {
	g.mu.Lock()
	g.held = false
	g.mu.Unlock()
	for _, p := range g.obs.Pods() {
		g.offer(p)
	}
}

func (g *Gatekeeper) offer(p *corev1.Pod) {
	if !hasGate(p) || gateTrue(p) || p.DeletionTimestamp != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held || g.sent[p.UID] {
		return
	}
	g.sent[p.UID] = true
	g.work <- p
}

func (g *Gatekeeper) run() {
	for p := range g.work {
		patch := fmt.Sprintf(`{"status":{"conditions":[{"type":%q,"status":"True","lastTransitionTime":%q}]}}`,
			GateCondition, metav1.Now().UTC().Format("2006-01-02T15:04:05Z"))
		// a pod deleted meanwhile needs no gate; the test's waits see the rest
		_, _ = g.kube.CoreV1().Pods(p.Namespace).Patch(context.Background(), p.Name, types.StrategicMergePatchType,
			[]byte(patch), metav1.PatchOptions{}, "status")
	}
}

func hasGate(p *corev1.Pod) bool {
	for _, g := range p.Spec.ReadinessGates {
		if g.ConditionType == GateCondition {
			return true
		}
	}
	return false
}

func gateTrue(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == GateCondition {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
