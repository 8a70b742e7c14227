package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/rollout/schedule"
)

// GitSync keeps the objects rendered from one path of a git repository
// applied in the cluster, and records how far the rollouts of its CloneSets
// have got (the batch, read from the partition in git).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gs
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`,priority=1
// +kubebuilder:printcolumn:name="PATH",type=string,JSONPath=`.spec.path`,priority=1
// +kubebuilder:printcolumn:name="REVISION",type=string,JSONPath=`.status.lastAppliedRevision`
// +kubebuilder:printcolumn:name="READY",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="STATUS",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="BATCH",type=string,JSONPath=`.status.batchSummary`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
type GitSync struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GitSyncSpec   `json:"spec"`
	Status GitSyncStatus `json:"status,omitempty"`
}

// GitSyncSpec says what to keep in sync.
type GitSyncSpec struct {
	// URL of the git repository: https://, ssh://, scp-style git@host:org/repo
	// or file://.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// Ref is the branch, tag or commit to follow. Defaults to the branch main.
	// +optional
	Ref GitRef `json:"ref,omitempty"`

	// Path of the kustomize directory inside the repository. Defaults to the
	// repository root.
	// +optional
	Path string `json:"path,omitempty"`

	// Interval between polls of the repository, and between drift
	// corrections. Defaults to 1m.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Timeout for one fetch, render and apply. Defaults to 2m.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// SecretRef names a Secret in this namespace with git credentials:
	// username/password or bearerToken for HTTPS (ca.crt for a private CA);
	// identity and known_hosts for SSH.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// Verify requires the head commit to carry a valid OpenPGP or SSH signature.
	// +optional
	Verify *Verification `json:"verify,omitempty"`

	// Prune deletes objects that left git. Defaults to true.
	// +optional
	Prune *bool `json:"prune,omitempty"`

	// Suspend stops fetching and applying; the cluster keeps what it has.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// ServiceAccountName, when set, is impersonated for apply and prune, so
	// a GitSync can only change what that account may change.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Webhook enables the push receiver for this GitSync at
	// /hook/<github|gitlab|generic>/<namespace>/<name>: a push then
	// triggers a sync at once instead of at the next poll.
	// +optional
	Webhook *Webhook `json:"webhook,omitempty"`

	// Schedule gates when new revisions are applied and lets ferry commit
	// the next batch on a cron schedule.
	// +optional
	Schedule *schedule.Schedule `json:"schedule,omitempty"`
}

// GitRef selects a revision. At most one field is set; none means the
// branch main.
type GitRef struct {
	// +optional
	Branch string `json:"branch,omitempty"`
	// +optional
	Tag string `json:"tag,omitempty"`
	// Commit is a full 40-character SHA.
	// +optional
	Commit string `json:"commit,omitempty"`
}

// LocalObjectReference names an object in the GitSync's namespace.
type LocalObjectReference struct {
	Name string `json:"name"`
}

// Webhook configures the push receiver of a GitSync.
type Webhook struct {
	// SecretRef names a Secret in this namespace whose key "token" is the
	// shared secret: the HMAC key for GitHub and generic hooks, the token
	// GitLab sends.
	SecretRef LocalObjectReference `json:"secretRef"`
}

// Verification of the head commit's signature.
type Verification struct {
	// Mode is HEAD: the commit at the ref must be signed by a trusted key.
	// +kubebuilder:validation:Enum=HEAD
	// +optional
	Mode string `json:"mode,omitempty"`
	// SecretRef names a Secret whose *.asc entries are the trusted
	// OpenPGP public keys and whose *.pub entries the trusted SSH public
	// keys (one per line, authorized_keys or allowed_signers style), for
	// commits signed with git's gpg.format ssh.
	SecretRef LocalObjectReference `json:"secretRef"`
	// SigningKeyRef names a Secret whose signing.asc entry is the armored
	// OpenPGP private key, or whose signing.key entry is the OpenSSH
	// private key (with its passphrase in passphrase, if it has one),
	// that ferry signs its own commits with: the batches
	// spec.schedule.advance commits. Its public key must be one SecretRef
	// trusts. Without it, a verified GitSync does not advance on a
	// schedule: ferry would commit a revision it then refuses to apply.
	// +optional
	SigningKeyRef *LocalObjectReference `json:"signingKeyRef,omitempty"`
}

// GitSyncStatus reports the last sync and the rollouts it drives.
type GitSyncStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling and Stalled (kstatus).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastAppliedRevision is the revision last applied successfully,
	// e.g. main@sha1:<sha>. It keeps running while a newer revision fails.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`

	// LastAttemptedRevision is the revision of the last attempt, good or bad.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// Inventory lists the objects applied from LastAppliedRevision: what a
	// later revision prunes when they leave git.
	// +optional
	Inventory *Inventory `json:"inventory,omitempty"`

	// History of the last attempts, newest first (at most 10).
	// +optional
	History []HistoryEntry `json:"history,omitempty"`

	// Batches is the rollout position of each CloneSet this GitSync applies.
	// +optional
	Batches []BatchStatus `json:"batches,omitempty"`

	// BatchSummary is Batches in one short string for the printer column,
	// e.g. "1/3" or "demo 1/3, web 2/2".
	// +optional
	BatchSummary string `json:"batchSummary,omitempty"`

	// Schedule reports the windows and the next advance.
	// +optional
	Schedule *schedule.Status `json:"schedule,omitempty"`
}

// Inventory is the set of applied objects.
type Inventory struct {
	// Entries are sorted by ID.
	Entries []InventoryEntry `json:"entries"`
}

// InventoryEntry identifies one applied object.
type InventoryEntry struct {
	// ID is <namespace>_<name>_<group>_<kind>, as Flux writes it.
	ID string `json:"id"`
	// Version is the API version the object was applied with.
	Version string `json:"v"`
}

// HistoryEntry is one sync attempt.
type HistoryEntry struct {
	Revision string      `json:"revision"`
	Time     metav1.Time `json:"time"`
	// Result is Applied, Failed, Skipped (window closed) or Unchanged.
	Result string `json:"result"`
	// Duration of the attempt.
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`
	// Message says why an attempt failed.
	// +optional
	Message string `json:"message,omitempty"`
}

// BatchStatus is where one CloneSet's rollout stands.
type BatchStatus struct {
	// Namespace/name of the CloneSet.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Partition in git (resolved to a number of pods).
	Partition int32 `json:"partition"`
	// Batch is the 1-based position in the batch plan; 0 means the plan
	// has not started; absent without a plan.
	// +optional
	Batch *int32 `json:"batch,omitempty"`
	// Of is the number of batches in the plan.
	// +optional
	Of int32 `json:"of,omitempty"`
	// Desired is spec.replicas.
	Desired int32 `json:"desired"`
	// Replicas (surge pods included), Updated and Ready pods as the
	// CloneSet reports them.
	Replicas int32 `json:"replicas"`
	Updated  int32 `json:"updated"`
	Ready    int32 `json:"ready"`
	// Healthy says whether the current batch is complete.
	Healthy bool `json:"healthy"`
	// HealthySince is when the current batch became complete.
	// +optional
	HealthySince *metav1.Time `json:"healthySince,omitempty"`
	// Message is a one-line summary, e.g. "batch 1 of 3 held: 2/5 updated".
	// +optional
	Message string `json:"message,omitempty"`
}

// GitSyncList is a list of GitSyncs.
//
// +kubebuilder:object:root=true
type GitSyncList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GitSync `json:"items"`
}
