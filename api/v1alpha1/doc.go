// Package v1alpha1 is ferry's own API, group ferry.dev: the GitSync object
// that says which git repository, revision and path to keep a namespace in
// step with, and reports how far the rollouts it drives have got.
//
// +kubebuilder:object:generate=true
// +groupName=ferry.dev
package v1alpha1

//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.20.1 object paths=./
