package sidecar

import (
	"regexp"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// builder collects what the SidecarSets of one injection add to a pod. Every
// SidecarSet is built against the pod as it was before this injection (its
// app containers, labels and patched annotations), as Kruise's buildSidecars.
type builder struct {
	labels      map[string]string
	annotations map[string]string // after patchPodMetadata
	pod         []corev1.Container
	apps        []corev1.Container // pod containers without IS_INJECTED=true

	inits      []placed
	containers []placed
	volumes    []corev1.Volume
	secrets    []corev1.LocalObjectReference
	hot        hotUpgrade
}

// placed is a built sidecar and where it goes among the pod's containers.
type placed struct {
	corev1.Container
	policy appsv1alpha1.PodInjectPolicyType
}

func newBuilder(labels, annotations map[string]string, spec *corev1.PodSpec) (*builder, error) {
	b := &builder{labels: labels, annotations: annotations, pod: spec.Containers}
	for i := range spec.Containers {
		if !isInjected(&spec.Containers[i]) {
			b.apps = append(b.apps, spec.Containers[i])
		}
	}
	hot, err := readHotUpgrade(annotations)
	if err != nil {
		return nil, err
	}
	b.hot = hot
	return b, nil
}

// add builds one SidecarSet's initContainers, containers, volumes and secrets.
func (b *builder) add(p *Prepared) {
	spec := &p.set.Spec
	for i := range spec.InitContainers {
		sc := &spec.InitContainers[i]
		c := b.sidecar(sc, p)
		if isNativeSidecar(&sc.Container) && isHotUpgrade(sc) {
			b.inits = append(b.inits, b.hot.pair(sc, c)...)
			continue
		}
		b.inits = append(b.inits, placed{Container: c, policy: sc.PodInjectPolicy})
	}
	b.secrets = append(b.secrets, spec.ImagePullSecrets...)
	for i := range spec.Containers {
		sc := &spec.Containers[i]
		c := b.sidecar(sc, p)
		if isHotUpgrade(sc) {
			b.containers = append(b.containers, b.hot.pair(sc, c)...)
			continue
		}
		b.containers = append(b.containers, placed{Container: c, policy: sc.PodInjectPolicy})
	}
}

// sidecar builds one container: the SidecarSet volumes its own mounts name,
// its mounts plus the app containers' when shareVolumePolicy is enabled (own
// mount paths first), and its env plus IS_INJECTED=true plus the transferred
// env vars (names it already has win).
func (b *builder) sidecar(sc *appsv1alpha1.SidecarContainer, p *Prepared) corev1.Container {
	c := *sc.Container.DeepCopy()
	for _, m := range c.VolumeMounts {
		if v, ok := p.volumes[m.Name]; ok {
			b.volumes = append(b.volumes, *v.DeepCopy())
		}
	}
	shared, sharedEnv := b.sharedMounts(sc)
	extraEnv := mergeEnv(b.transferEnv(sc), sharedEnv)
	c.VolumeMounts = mergeMounts(c.VolumeMounts, shared)
	c.Env = mergeEnv(c.Env, []corev1.EnvVar{{Name: EnvInjected, Value: "true"}})
	c.Env = mergeEnv(c.Env, extraEnv)
	return c
}

// subPathVar finds $(VAR) references in a subPathExpr.
var subPathVar = regexp.MustCompile(`\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)`)

// sharedMounts returns the app containers' volumeMounts, and the env vars
// their subPathExprs reference (taken from the same app container), for a
// sidecar with shareVolumePolicy enabled.
func (b *builder) sharedMounts(sc *appsv1alpha1.SidecarContainer) ([]corev1.VolumeMount, []corev1.EnvVar) {
	if sc.ShareVolumePolicy.Type != appsv1alpha1.ShareVolumePolicyEnabled {
		return nil, nil
	}
	var mounts []corev1.VolumeMount
	var env []corev1.EnvVar
	for i := range b.apps {
		app := &b.apps[i]
		for _, m := range app.VolumeMounts {
			mounts = append(mounts, m)
			for _, ref := range subPathVar.FindAllStringSubmatch(m.SubPathExpr, -1) {
				if e := findEnv(app.Env, ref[1]); e != nil {
					env = append(env, *e)
				}
			}
		}
	}
	return mounts, env
}

// transferEnv copies env vars from a pod container. The source container is
// sourceContainerName, or the value of the pod label or annotation that
// sourceContainerNameFrom.fieldRef names. Within one entry the names of
// envName and envNames are taken in sorted order. A source or variable that
// is not there is skipped, as in Kruise.
func (b *builder) transferEnv(sc *appsv1alpha1.SidecarContainer) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, t := range sc.TransferEnv {
		source := t.SourceContainerName
		if from := t.SourceContainerNameFrom; from != nil && from.FieldRef != nil {
			name, ok := b.fieldValue(from.FieldRef.FieldPath)
			if !ok {
				continue
			}
			source = name
		}
		names := append([]string(nil), t.EnvNames...)
		if t.EnvName != "" {
			names = append(names, t.EnvName)
		}
		c := findContainer(b.pod, source)
		if c == nil {
			continue
		}
		for _, n := range sortedUnique(names) {
			if e := findEnv(c.Env, n); e != nil {
				out = append(out, *e)
			}
		}
	}
	return out
}

// fieldValue reads metadata.labels['k'] or metadata.annotations['k'] of the
// pod. Kruise supports nothing else here (metadata.name passes validation but
// is never resolved), so neither does ferry.
func (b *builder) fieldValue(fieldPath string) (string, bool) {
	path, key, ok := splitSubscript(fieldPath)
	if !ok {
		return "", false
	}
	switch path {
	case "metadata.labels":
		return b.labels[key], true
	case "metadata.annotations":
		return b.annotations[key], true
	}
	return "", false
}

// merge applies the built sidecars to a copy of spec: initContainers sorted
// by name (stable) then merged like containers, containers merged, volumes
// merged with the pod's winning, pull secrets de-duplicated.
func (b *builder) merge(spec *corev1.PodSpec) corev1.PodSpec {
	out := *spec
	sort.SliceStable(b.inits, func(i, j int) bool { return b.inits[i].Name < b.inits[j].Name })
	out.InitContainers = mergeContainers(spec.InitContainers, b.inits)
	out.Containers = mergeContainers(spec.Containers, b.containers)
	out.Volumes = mergeVolumes(spec.Volumes, b.volumes)
	out.ImagePullSecrets = mergeSecrets(spec.ImagePullSecrets, b.secrets)
	return out
}

// writeAnnotations adds the hot-upgrade bookkeeping, if any.
func (b *builder) writeAnnotations(annotations map[string]string) error {
	return b.hot.write(annotations)
}

func isInjected(c *corev1.Container) bool {
	e := findEnv(c.Env, EnvInjected)
	return e != nil && e.Value == "true"
}

func findEnv(env []corev1.EnvVar, name string) *corev1.EnvVar {
	for i := range env {
		if env[i].Name == name {
			return &env[i]
		}
	}
	return nil
}

func findContainer(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}
