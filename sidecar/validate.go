package sidecar

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks one defaulted SidecarSet the way Kruise's validating webhook
// does (pkg/webhook/sidecarset/validating/sidecarset_create_update_handler.go)
// and returns every problem, each a *FieldError. Core container and volume
// validation is the subset that decides whether the injected pod is valid:
// names, images, mounts that name a SidecarSet volume, unique mount paths, env
// var names, one source per volume.
//
// Two things Kruise accepts are rejected: injectionStrategy.revision (it pins
// a ControllerRevision that only Kruise's controller keeps; ferry injects the
// SidecarSet as written) and HotUpgrade on a plain initContainer.
func Validate(set *appsv1alpha1.SidecarSet) error {
	v := &checker{set: set.Name}
	v.name(set.Name)
	spec := &set.Spec
	v.selector(spec.Selector, "spec.selector", true)
	if spec.Namespace != "" && spec.NamespaceSelector != nil {
		v.add("spec.namespaceSelector", "namespace and namespaceSelector are mutually exclusive")
	} else if spec.NamespaceSelector != nil {
		v.selector(spec.NamespaceSelector, "spec.namespaceSelector", false)
	}
	if spec.InjectionStrategy.Revision != nil {
		v.add("spec.injectionStrategy.revision", "not supported: ferry injects the SidecarSet as written, not a ControllerRevision of it")
	}
	v.updateStrategy(&spec.UpdateStrategy)
	vols := v.volumes(spec.Volumes)
	if len(spec.InitContainers) == 0 && len(spec.Containers) == 0 {
		v.add("spec", "no initContainer or container defined for SidecarSet")
	}
	names := map[string]bool{}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		v.sidecar(c, fmt.Sprintf("spec.initContainers[%d]", i), vols, names, true)
		if isNativeSidecar(&c.Container) && spec.UpdateStrategy.Type == appsv1alpha1.RollingUpdateSidecarSetStrategyType {
			v.add("spec.updateStrategy", "a native sidecar initContainer (restartPolicy: Always) cannot be upgraded in place: set type NotUpdate")
		}
	}
	for i := range spec.Containers {
		v.sidecar(&spec.Containers[i], fmt.Sprintf("spec.containers[%d]", i), vols, names, false)
	}
	v.patchPodMetadata(spec.PatchPodMetadata)
	return errors.Join(v.errs...)
}

type checker struct {
	set  string
	errs []error
}

func (v *checker) add(field, format string, args ...any) {
	v.errs = append(v.errs, fieldErr(v.set, field, format, args...))
}

func (v *checker) addList(list field.ErrorList) {
	for _, e := range list {
		v.errs = append(v.errs, fieldErr(v.set, e.Field, "%s", e.ErrorBody()))
	}
}

var setNameRegexp = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

func (v *checker) name(name string) {
	switch {
	case name == "":
		v.add("metadata.name", "required")
	case !setNameRegexp.MatchString(name):
		v.add("metadata.name", "must consist of alphanumeric characters or '-'")
	case len(name) > 63:
		v.add("metadata.name", "must be no more than 63 characters")
	}
}

func (v *checker) selector(sel *metav1.LabelSelector, path string, required bool) {
	if sel == nil {
		if required {
			v.add(path, "no selector defined for SidecarSet")
		}
		return
	}
	v.addList(metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, field.NewPath(path)))
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		v.add(path, "empty selector is not valid for sidecarset")
	}
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		v.add(path, "%v", err)
	}
}

func (v *checker) updateStrategy(s *appsv1alpha1.SidecarSetUpdateStrategy) {
	const path = "spec.updateStrategy"
	switch s.Type {
	case appsv1alpha1.NotUpdateSidecarSetStrategyType:
		return
	case appsv1alpha1.RollingUpdateSidecarSetStrategyType:
	default:
		v.add(path+".type", "unsupported value %q: supported values NotUpdate, RollingUpdate", s.Type)
		return
	}
	if s.Selector != nil {
		if p := s.Partition; p != nil && (p.Type == intstr.String || p.IntVal != 0) {
			v.add(path, "partition and selector cannot be used together")
		}
		v.selector(s.Selector, path+".selector", false)
	}
	v.intOrPercent(s.Partition, path+".partition")
	v.intOrPercent(s.MaxUnavailable, path+".maxUnavailable")
}

// intOrPercent accepts a non-negative integer or a percentage like "20%".
func (v *checker) intOrPercent(x *intstr.IntOrString, path string) {
	if x == nil {
		return
	}
	if x.Type == intstr.Int {
		if x.IntVal < 0 {
			v.add(path, "must be greater than or equal to 0")
		}
		return
	}
	n, ok := strings.CutSuffix(x.StrVal, "%")
	if !ok || n == "" || strings.TrimLeft(n, "0123456789") != "" {
		v.add(path, "%q must be an integer or percentage (e.g '5%%')", x.StrVal)
	}
}

func (v *checker) volumes(vols []corev1.Volume) map[string]bool {
	names := make(map[string]bool, len(vols))
	for i := range vols {
		path := fmt.Sprintf("spec.volumes[%d]", i)
		vol := &vols[i]
		for _, msg := range validation.IsDNS1123Label(vol.Name) {
			v.add(path+".name", "%q: %s", vol.Name, msg)
		}
		if names[vol.Name] {
			v.add(path+".name", "duplicate volume name %q", vol.Name)
		}
		names[vol.Name] = true
		if n := countSources(&vol.VolumeSource); n != 1 {
			v.add(path, "must specify exactly one volume source, found %d", n)
		}
	}
	return names
}

// countSources counts the volume sources set, which must be exactly one.
func countSources(src *corev1.VolumeSource) int {
	raw, err := json.Marshal(src)
	if err != nil {
		return 0
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return 0
	}
	return len(fields)
}

func (v *checker) sidecar(c *appsv1alpha1.SidecarContainer, path string, vols, names map[string]bool, isInit bool) {
	switch c.PodInjectPolicy {
	case appsv1alpha1.BeforeAppContainerType, appsv1alpha1.AfterAppContainerType:
	default:
		v.add(path+".podInjectPolicy", "unsupported pod inject policy %q", c.PodInjectPolicy)
	}
	switch c.ShareVolumePolicy.Type {
	case appsv1alpha1.ShareVolumePolicyEnabled, appsv1alpha1.ShareVolumePolicyDisabled:
	default:
		v.add(path+".shareVolumePolicy.type", "unsupported share volume policy %q", c.ShareVolumePolicy.Type)
	}
	v.upgradeStrategy(c, path+".upgradeStrategy", isInit)
	for i, t := range c.TransferEnv {
		if t.SourceContainerNameFrom != nil && t.SourceContainerNameFrom.FieldRef != nil {
			v.transferFieldRef(t.SourceContainerNameFrom.FieldRef, fmt.Sprintf("%s.transferEnv[%d].sourceContainerNameFrom.fieldRef", path, i))
		}
	}
	v.container(&c.Container, path, vols, names)
}

func (v *checker) upgradeStrategy(c *appsv1alpha1.SidecarContainer, path string, isInit bool) {
	switch c.UpgradeStrategy.UpgradeType {
	case appsv1alpha1.SidecarContainerColdUpgrade:
	case appsv1alpha1.SidecarContainerHotUpgrade:
		switch empty := c.UpgradeStrategy.HotUpgradeEmptyImage; {
		case isInit && !isNativeSidecar(&c.Container):
			v.add(path+".upgradeType", "HotUpgrade applies to containers and native sidecar initContainers only")
		case empty == "":
			v.add(path+".hotUpgradeEmptyImage", "required for HotUpgrade")
		case empty == c.Image:
			v.add(path+".hotUpgradeEmptyImage", "must differ from the container image")
		}
	default:
		v.add(path+".upgradeType", "unsupported value %q: supported values ColdUpgrade, HotUpgrade", c.UpgradeStrategy.UpgradeType)
	}
}

// transferFieldRef allows metadata.name and subscripted metadata.labels or
// metadata.annotations, as the downward API does for env values.
func (v *checker) transferFieldRef(f *corev1.ObjectFieldSelector, path string) {
	switch {
	case f.APIVersion == "":
		v.add(path+".apiVersion", "required")
		return
	case f.APIVersion != "v1":
		v.add(path+".apiVersion", "unsupported pod version %q", f.APIVersion)
		return
	case f.FieldPath == "":
		v.add(path+".fieldPath", "required")
		return
	}
	p, key, subscripted := splitSubscript(f.FieldPath)
	if !subscripted {
		if p != "metadata.name" {
			v.add(path+".fieldPath", "unsupported value %q: supported values metadata.name, metadata.labels['<key>'], metadata.annotations['<key>']", p)
		}
		return
	}
	switch p {
	case "metadata.annotations":
		key = strings.ToLower(key)
	case "metadata.labels":
	default:
		v.add(path+".fieldPath", "%q does not support a subscript", p)
		return
	}
	for _, msg := range validation.IsQualifiedName(key) {
		v.add(path+".fieldPath", "%q: %s", key, msg)
	}
}

// splitSubscript splits "metadata.labels['app']" into "metadata.labels" and
// "app"; a path without a subscript comes back whole with ok false.
func splitSubscript(fieldPath string) (path, subscript string, ok bool) {
	s, found := strings.CutSuffix(fieldPath, "']")
	if !found {
		return fieldPath, "", false
	}
	path, subscript, found = strings.Cut(s, "['")
	if !found || path == "" {
		return fieldPath, "", false
	}
	return path, subscript, true
}

func (v *checker) container(c *corev1.Container, path string, vols, names map[string]bool) {
	for _, msg := range validation.IsDNS1123Label(c.Name) {
		v.add(path+".name", "%q: %s", c.Name, msg)
	}
	if names[c.Name] {
		v.add(path+".name", "duplicate container name %q", c.Name)
	}
	names[c.Name] = true
	if c.Image == "" {
		v.add(path+".image", "required")
	}
	for i, e := range c.Env {
		for _, msg := range validation.IsEnvVarName(e.Name) {
			v.add(fmt.Sprintf("%s.env[%d].name", path, i), "%q: %s", e.Name, msg)
		}
	}
	paths := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := fmt.Sprintf("%s.volumeMounts[%d]", path, i)
		if !vols[m.Name] {
			v.add(mp+".name", "volume %q not found in spec.volumes", m.Name)
		}
		if m.MountPath == "" {
			v.add(mp+".mountPath", "required")
		} else if paths[m.MountPath] {
			v.add(mp+".mountPath", "%q must be unique", m.MountPath)
		}
		paths[m.MountPath] = true
		if m.SubPath != "" && m.SubPathExpr != "" {
			v.add(mp+".subPathExpr", "subPathExpr and subPath are mutually exclusive")
		}
	}
}

func (v *checker) patchPodMetadata(patches []appsv1alpha1.SidecarSetPatchPodMetadata) {
	keys := map[string]bool{}
	for i, p := range patches {
		path := fmt.Sprintf("spec.patchPodMetadata[%d]", i)
		if len(p.Annotations) == 0 {
			v.add(path+".annotations", "no annotations defined for SidecarSet")
		}
		v.addList(apivalidation.ValidateAnnotations(p.Annotations, field.NewPath(path, "annotations")))
		switch p.PatchPolicy {
		case appsv1alpha1.SidecarSetRetainPatchPolicy, appsv1alpha1.SidecarSetOverwritePatchPolicy:
		case appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy:
			for _, k := range sortedKeys(p.Annotations) {
				var obj map[string]any
				if err := json.Unmarshal([]byte(p.Annotations[k]), &obj); err != nil {
					v.add(fmt.Sprintf("%s.annotations[%s]", path, k), "MergePatchJson needs a JSON object: %v", err)
				}
			}
		default:
			v.add(path+".patchPolicy", "unsupported value %q: supported values Retain, Overwrite, MergePatchJson", p.PatchPolicy)
		}
		for _, k := range sortedKeys(p.Annotations) {
			if keys[k] {
				v.add(path+".annotations", "patch annotation[%s] already exist", k)
			}
			keys[k] = true
		}
	}
}

// defaulted returns a defaulted deep copy, leaving the caller's object as it
// was: SidecarSets come from caches and renders shared with other code.
func defaulted(set *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
	out := set.DeepCopy()
	SetDefaults(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
