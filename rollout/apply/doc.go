// Package apply makes a cluster match one rendered git revision: server-side
// apply in kind order, with a dry-run of the whole set first, drift
// detection, an inventory of what was applied, pruning of what left git, and
// health (subpackage health).
//
// The GitOps loop calls, every interval:
//
//	cs, err := m.Apply(ctx, objects, apply.ApplyOptions{DefaultNamespace: gs.Namespace, WaitTimeout: time.Minute})
//	// err is a *ValidationError: keep the last good revision, report err.
//	inv := apply.InventoryOf(cs)
//	pruned, err := m.Prune(ctx, gs.Status.Inventory, inv, apply.DefaultPruneOptions())
//	// err is an *EmptyRenderError: "render is empty; refusing to prune N objects".
//	// err is a *PruneError: store inv.Merge(perr.Refs()...) so the next run retries.
//	health, err := m.Check(ctx, cs.Refs())
//
// # Nothing half-applied
//
// Apply dry-runs every object (server-side apply with dryRun=All, so
// defaulting, validation and admission webhooks all run) before it writes
// any. One failure rejects the revision: a *ValidationError lists each
// failing object as "Kind namespace/name" with the apiserver's message and
// causes, and nothing is written.
//
// Two kinds of objects cannot be dry-run up front: objects of a kind whose
// CustomResourceDefinition is in the same set and not yet served, and
// objects in a Namespace the same set creates (the apiserver refuses even a
// dry-run there). For those, Apply validates everything else, writes the
// CRDs and Namespaces, waits until the CRDs are Established and their kinds
// appear in discovery, and dry-runs the waiting objects before writing any
// object beyond the definitions. If one of them fails, the CRDs and
// Namespaces stay (they are additive and harmless on their own) and
// ValidationError.Applied lists them.
//
// A write can still fail after a successful dry-run (a concurrent change,
// the apiserver going away); Apply then returns an *ApplyError with the
// change set of what was written, and the next run converges.
//
// # Order
//
// CRDs, Namespaces, then cluster and namespace configuration
// (ResourceQuota, LimitRange, PriorityClass, StorageClass, ServiceAccount,
// RBAC, ConfigMap, Secret, PV, PVC, NetworkPolicy, PDB), then everything
// else (Service, SidecarSet, then workloads and custom resources sorted by
// group and kind), then admission policies and webhook configurations.
// Within a kind, objects sort by namespace and name. Prune uses the reverse.
//
// # Drift and field ownership
//
// Every write uses server-side apply with field manager "ferry" and
// force, so a field ferry declares is ferry's: `kubectl edit` of such a
// field is reverted by the next Apply (the dry-run shows the difference).
// Fields ferry does not declare are left to their owners: status, an HPA's
// spec.replicas when the manifest in git omits replicas, labels another
// controller adds. (If git does declare replicas, ferry takes them back on
// every run and fights the HPA; leave replicas out of git for autoscaled
// workloads.) An object whose dry-run result equals the live object,
// ignoring managedFields, resourceVersion, generation, creationTimestamp and
// status, and whose "ferry" managedFields entry would not change, is
// reported Unchanged and not written, so its resourceVersion does not move.
//
// # Namespaces
//
// A namespaced object without a namespace gets ApplyOptions.DefaultNamespace.
// A cluster-scoped object that carries a namespace (kustomize's namespace
// transformer adds one to OpenKruise's SidecarSet, whose scope it does not
// know) has it cleared. Scope comes from the RESTMapper, or from the CRD in
// the same set for kinds not served yet.
package apply
