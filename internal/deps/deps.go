// Package deps pins the modules that the pipeline packages are being built on,
// so that go.mod carries the verified versions (see DEVELOPERS.md) before the
// first package imports them. It is deleted once every module here has a real
// importer.
package deps

import (
	_ "github.com/go-git/go-git/v5"
	_ "github.com/openkruise/kruise-api/apps/v1alpha1"
	_ "github.com/robfig/cron/v3"
	_ "k8s.io/client-go/kubernetes"
	_ "sigs.k8s.io/kustomize/api/krusty"
	_ "sigs.k8s.io/kustomize/kyaml/yaml"
	_ "sigs.k8s.io/yaml"
)
