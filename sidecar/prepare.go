package sidecar

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// Prepared is a SidecarSet made ready for injection once, so that injecting it
// into many templates or pods repeats no work: defaulted (a private copy),
// validated, hashed, its selectors parsed and its volumes indexed.
type Prepared struct {
	set         *appsv1alpha1.SidecarSet
	match       matcher
	hash        string
	hashNoImage string
	volumes     map[string]*corev1.Volume
	sidecarList []string
}

// Prepare defaults, validates and hashes a SidecarSet. The error, if any,
// joins one *FieldError per problem (see Validate).
func Prepare(set *appsv1alpha1.SidecarSet) (*Prepared, error) {
	d := defaulted(set)
	if err := Validate(d); err != nil {
		return nil, err
	}
	m, err := newMatcher(d)
	if err != nil {
		return nil, err
	}
	p := &Prepared{set: d, match: m, volumes: make(map[string]*corev1.Volume, len(d.Spec.Volumes))}
	if p.hash, err = Hash(d); err != nil {
		return nil, fmt.Errorf("SidecarSet %q: %w", d.Name, err)
	}
	if p.hashNoImage, err = HashWithoutImage(d); err != nil {
		return nil, fmt.Errorf("SidecarSet %q: %w", d.Name, err)
	}
	for i := range d.Spec.Volumes {
		p.volumes[d.Spec.Volumes[i].Name] = &d.Spec.Volumes[i]
	}
	p.sidecarList = sidecarList(d)
	return p, nil
}

// Name is the SidecarSet's name.
func (p *Prepared) Name() string { return p.set.Name }

// Hash is the SidecarSet's kruise.io/sidecarset-hash, computed on the
// defaulted spec.
func (p *Prepared) Hash() string { return p.hash }

// SidecarSet returns the defaulted SidecarSet; callers must not modify it.
func (p *Prepared) SidecarSet() *appsv1alpha1.SidecarSet { return p.set }

// sidecarList is the sorted names Kruise records in an UpgradeSpec: every
// container plus the native sidecar initContainers, the ones it can upgrade.
func sidecarList(set *appsv1alpha1.SidecarSet) []string {
	var names []string
	for i := range set.Spec.InitContainers {
		if isNativeSidecar(&set.Spec.InitContainers[i].Container) {
			names = append(names, set.Spec.InitContainers[i].Name)
		}
	}
	for i := range set.Spec.Containers {
		names = append(names, set.Spec.Containers[i].Name)
	}
	return sortedUnique(names)
}

// podContainerNames lists the names the SidecarSet gives containers and
// initContainers in a pod (a HotUpgrade container becomes name-1 and name-2).
func (p *Prepared) podContainerNames() []string {
	var names []string
	for _, group := range [][]appsv1alpha1.SidecarContainer{p.set.Spec.InitContainers, p.set.Spec.Containers} {
		for i := range group {
			c := &group[i]
			if isHotUpgrade(c) {
				names = append(names, c.Name+hotSuffix1, c.Name+hotSuffix2)
				continue
			}
			names = append(names, c.Name)
		}
	}
	return names
}
