package health

import "testing"

func TestCoreHealth(t *testing.T) {
	runCases(t, []healthCase{
		{"job complete", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nstatus: {succeeded: 1, conditions: [{type: Complete, status: \"True\"}]}\n",
			Current, ReasonComplete, "1 succeeded"},
		{"job failed", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nstatus: {failed: 6, conditions: [{type: Failed, status: \"True\", reason: BackoffLimitExceeded, message: \"Job has reached the specified backoff limit\"}]}\n",
			Failed, ReasonJobFailed, "BackoffLimitExceeded: Job has reached the specified backoff limit"},
		{"job running", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nstatus: {active: 1}\n",
			InProgress, ReasonRunning, "1 active, 0 succeeded, 0 failed"},
		{"job suspended", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {suspend: true}\nstatus: {}\n",
			InProgress, ReasonSuspended, ""},
		{"crd established", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.test.ferry.dev}\nspec: {names: {kind: Widget}}\nstatus: {conditions: [{type: NamesAccepted, status: \"True\"}, {type: Established, status: \"True\"}]}\n",
			Current, ReasonEstablished, "Widget is served"},
		{"crd names rejected", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.test.ferry.dev}\nstatus: {conditions: [{type: NamesAccepted, status: \"False\", message: \"plural is already in use\"}]}\n",
			Failed, ReasonNamesRejected, "plural is already in use"},
		{"crd not yet established", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.test.ferry.dev}\nstatus: {}\n",
			InProgress, ReasonEstablishing, ""},
		{"namespace active", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\nstatus: {phase: Active}\n",
			Current, ReasonActive, ""},
		{"namespace terminating", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\nstatus: {phase: Terminating}\n",
			InProgress, ReasonTerminating, ""},
		{"pvc bound", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {volumeName: pv-1}\nstatus: {phase: Bound}\n",
			Current, ReasonBound, "bound to pv-1"},
		{"pvc pending", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Pending}\n",
			InProgress, ReasonClaimPending, ""},
		{"pvc lost", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Lost}\n",
			Failed, ReasonClaimLost, ""},
		{"pod ready", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Running, conditions: [{type: Ready, status: \"True\"}]}\n",
			Current, ReasonPodReady, ""},
		{"pod pending", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Pending}\n",
			InProgress, ReasonPodNotReady, ""},
		{"service exists", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n", Current, ReasonExists, "exists"},
		{"configmap exists", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", Current, ReasonExists, ""},
		{"secret exists", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", Current, ReasonExists, ""},
		{"service account exists", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s}\n", Current, ReasonExists, ""},
		{"role binding exists", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r}\n", Current, ReasonExists, ""},
		{"sidecarset is configuration", "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata: {name: log}\n", Current, ReasonExists, ""},
		{"being deleted", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, deletionTimestamp: \"2026-01-01T00:00:00Z\"}\n", InProgress, ReasonDeleting, ""},
	})
}

func TestUnknownKindsAreNotHealthy(t *testing.T) {
	w := func(meta, status string) string {
		return "apiVersion: test.ferry.dev/v1\nkind: Widget\nmetadata: " + meta + "\nstatus: " + status + "\n"
	}
	runCases(t, []healthCase{
		{"no status", w(`{name: w, generation: 1}`, `{}`), Unknown, ReasonNoHealthRule,
			"no health rule for Widget.test.ferry.dev and no Ready or Stalled condition"},
		{"status without conditions", w(`{name: w, generation: 1}`, `{observedGeneration: 1, phase: Running}`), Unknown, ReasonNoHealthRule, ""},
		{"Ready without any observedGeneration", w(`{name: w, generation: 1}`, `{conditions: [{type: Ready, status: "True"}]}`), Unknown, ReasonNoHealthRule, ""},
		{"Ready for this generation", w(`{name: w, generation: 2}`, `{observedGeneration: 2, conditions: [{type: Ready, status: "True", message: ok}]}`), Current, ReasonReady, "ok"},
		{"Ready with condition observedGeneration", w(`{name: w, generation: 2}`, `{conditions: [{type: Ready, status: "True", observedGeneration: 2}]}`), Current, ReasonReady, ""},
		{"Ready for an older generation", w(`{name: w, generation: 3}`, `{observedGeneration: 2, conditions: [{type: Ready, status: "True"}]}`), InProgress, ReasonPending, ""},
		{"Ready condition older than object", w(`{name: w, generation: 3}`, `{conditions: [{type: Ready, status: "True", observedGeneration: 2}]}`), InProgress, ReasonPending, ""},
		{"Ready false", w(`{name: w, generation: 2}`, `{observedGeneration: 2, conditions: [{type: Ready, status: "False", reason: Waiting, message: dependency}]}`), InProgress, ReasonNotReady, "Waiting: dependency"},
		{"Stalled wins over Ready", w(`{name: w, generation: 2}`, `{observedGeneration: 2, conditions: [{type: Ready, status: "False"}, {type: Stalled, status: "True", reason: BadConfig, message: "bad"}]}`), Failed, ReasonStalled, "BadConfig: bad"},
		{"Reconciling", w(`{name: w, generation: 2}`, `{observedGeneration: 2, conditions: [{type: Reconciling, status: "True", reason: Progressing, message: "2/3"}, {type: Ready, status: "Unknown"}]}`), InProgress, ReasonReconciling, ""},
		{"CloneSet of another version uses conditions", "apiVersion: apps.kruise.io/v1beta1\nkind: CloneSet\nmetadata: {name: c, generation: 1}\nstatus: {replicas: 1}\n", Unknown, ReasonNoHealthRule, ""},
	})
}

func TestOfNil(t *testing.T) {
	if got := Of(nil); got.Status != InProgress || got.Reason != ReasonNotFound {
		t.Fatalf("Of(nil) = %s", got)
	}
}

func TestResultString(t *testing.T) {
	r := Result{Status: Current, Reason: ReasonBatchHeld, Message: "batch held at partition 3: 2/5 updated and ready"}
	if got, want := r.String(), "Current (BatchHeld): batch held at partition 3: 2/5 updated and ready"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
