package health

import "testing"

func TestDeploymentHealth(t *testing.T) {
	d := func(spec, status string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default, generation: 3}\n" +
			"spec: " + spec + "\nstatus: " + status + "\n"
	}
	runCases(t, []healthCase{
		{"rolled out", d(`{replicas: 3}`, `{observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 3}`),
			Current, ReasonRolledOut, "3/3 replicas updated and available"},
		{"generation pending", d(`{replicas: 3}`, `{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3}`),
			InProgress, ReasonPending, ""},
		{"updating", d(`{replicas: 3}`, `{observedGeneration: 3, replicas: 4, updatedReplicas: 1, availableReplicas: 3}`),
			InProgress, ReasonRollingOut, "1/3 replicas updated"},
		{"old replicas terminating", d(`{replicas: 3}`, `{observedGeneration: 3, replicas: 4, updatedReplicas: 3, availableReplicas: 3}`),
			InProgress, ReasonRollingOut, "1 old replicas pending termination"},
		{"not yet available", d(`{replicas: 3}`, `{observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 2}`),
			InProgress, ReasonWaitingForReady, "2/3 updated replicas available"},
		{"paused", d(`{replicas: 3, paused: true}`, `{observedGeneration: 3, replicas: 3, updatedReplicas: 1, availableReplicas: 3}`),
			InProgress, ReasonPaused, ""},
		{"deadline exceeded", d(`{replicas: 3}`, `{observedGeneration: 3, replicas: 3, updatedReplicas: 1, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "ReplicaSet web-1 has timed out progressing."}]}`),
			Failed, ReasonDeadline, "ReplicaSet web-1 has timed out progressing."},
		{"default replicas is one", d(`{}`, `{observedGeneration: 3, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`),
			Current, ReasonRolledOut, "1/1 replicas updated and available"},
	})
}

func TestStatefulSetHealth(t *testing.T) {
	s := func(spec, status string) string {
		return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: default, generation: 4}\n" +
			"spec: " + spec + "\nstatus: " + status + "\n"
	}
	runCases(t, []healthCase{
		{"held at partition", s(`{replicas: 5, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 3}}}`,
			`{observedGeneration: 4, replicas: 5, readyReplicas: 5, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2}`),
			Current, ReasonBatchHeld, "batch held at partition 3: 2/5 updated and ready"},
		{"partition batch moving", s(`{replicas: 5, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 3}}}`,
			`{observedGeneration: 4, replicas: 5, readyReplicas: 4, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}`),
			InProgress, ReasonRollingOut, "1/2 replicas updated (partition 3)"},
		{"updated but not ready", s(`{replicas: 5, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 3}}}`,
			`{observedGeneration: 4, replicas: 5, readyReplicas: 4, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2}`),
			InProgress, ReasonWaitingForReady, "4/5 replicas ready"},
		{"full rollout waits for current revision", s(`{replicas: 5}`,
			`{observedGeneration: 4, replicas: 5, readyReplicas: 5, updatedReplicas: 5, currentRevision: db-1, updateRevision: db-2}`),
			InProgress, ReasonRollingOut, "waiting for revision db-2 to become current"},
		{"full rollout done", s(`{replicas: 5}`,
			`{observedGeneration: 4, replicas: 5, readyReplicas: 5, updatedReplicas: 5, currentRevision: db-2, updateRevision: db-2}`),
			Current, ReasonRolledOut, "5/5 replicas updated and ready"},
		{"partition above replicas", s(`{replicas: 2, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 7}}}`,
			`{observedGeneration: 4, replicas: 2, readyReplicas: 2, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}`),
			Current, ReasonBatchHeld, "batch held at partition 2: 0/2 updated and ready"},
		{"on delete ready", s(`{replicas: 3, updateStrategy: {type: OnDelete}}`,
			`{observedGeneration: 4, replicas: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}`),
			Current, ReasonOnDelete, ""},
		{"on delete not ready", s(`{replicas: 3, updateStrategy: {type: OnDelete}}`,
			`{observedGeneration: 4, replicas: 3, readyReplicas: 2}`),
			InProgress, ReasonWaitingForReady, "2/3 replicas ready"},
		{"scaling", s(`{replicas: 3}`, `{observedGeneration: 4, replicas: 2, readyReplicas: 2}`),
			InProgress, ReasonScaling, "2 pods for 3 replicas"},
	})
}

func TestDaemonSetHealth(t *testing.T) {
	ds := func(spec, status string) string {
		return "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: default, generation: 2}\n" +
			"spec: " + spec + "\nstatus: " + status + "\n"
	}
	runCases(t, []healthCase{
		{"rolled out", ds(`{}`, `{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3, currentNumberScheduled: 3, numberMisscheduled: 0}`),
			Current, ReasonRolledOut, "3/3 pods updated and available"},
		{"updating", ds(`{}`, `{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3, numberReady: 3, currentNumberScheduled: 3, numberMisscheduled: 0}`),
			InProgress, ReasonRollingOut, "1/3 pods updated"},
		{"on delete with old pods is current", ds(`{updateStrategy: {type: OnDelete}}`, `{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 0, numberAvailable: 3, numberReady: 3, currentNumberScheduled: 3, numberMisscheduled: 0}`),
			Current, ReasonOnDelete, ""},
		{"on delete unavailable", ds(`{updateStrategy: {type: OnDelete}}`, `{observedGeneration: 2, desiredNumberScheduled: 3, numberAvailable: 1, numberReady: 1, currentNumberScheduled: 3, numberMisscheduled: 0}`),
			InProgress, ReasonWaitingForReady, "1/3 pods available"},
		{"pending", ds(`{}`, `{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 0}`),
			InProgress, ReasonPending, ""},
	})
}

func TestReplicaSetHealth(t *testing.T) {
	runCases(t, []healthCase{
		{"available", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r, generation: 1}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1, replicas: 2, availableReplicas: 2}\n",
			Current, ReasonReady, "2/2 replicas available"},
		{"unavailable", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r, generation: 1}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1, replicas: 2, availableReplicas: 1}\n",
			InProgress, ReasonWaitingForReady, ""},
	})
}
