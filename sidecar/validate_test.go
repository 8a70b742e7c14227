package sidecar

import (
	"errors"
	"reflect"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func mustSet(t *testing.T, doc string) *appsv1alpha1.SidecarSet {
	t.Helper()
	set := &appsv1alpha1.SidecarSet{}
	if err := yaml.UnmarshalStrict([]byte(doc), set); err != nil {
		t.Fatal(err)
	}
	return set
}

// errorFields lists "sidecarSet/other:field" for each FieldError in err.
func errorFields(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, fe := range fieldErrors(t, err) {
		s := fe.SidecarSet
		if fe.Other != "" {
			s += "/" + fe.Other
		}
		out = append(out, s+":"+fe.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	const base = `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  containers: [{name: c, image: c:1}]
`
	cases := []struct {
		name string
		doc  string
		want []string // sidecarSet:field of each error, in order
	}{
		{name: "valid", doc: base},
		{name: "no selector", doc: `
metadata: {name: s}
spec: {containers: [{name: c, image: c:1}]}`, want: []string{"s:spec.selector"}},
		{name: "empty selector", doc: `
metadata: {name: s}
spec: {selector: {}, containers: [{name: c, image: c:1}]}`, want: []string{"s:spec.selector"}},
		{name: "invalid selector operator", doc: `
metadata: {name: s}
spec:
  selector: {matchExpressions: [{key: app, operator: Near, values: [x]}]}
  containers: [{name: c, image: c:1}]`, want: []string{"s:spec.selector.matchExpressions[0].operator", "s:spec.selector"}},
		{name: "namespace and namespaceSelector", doc: `
metadata: {name: s}
spec:
  namespace: demo
  namespaceSelector: {matchLabels: {team: web}}
  selector: {matchLabels: {app: demo}}
  containers: [{name: c, image: c:1}]`, want: []string{"s:spec.namespaceSelector"}},
		{name: "no containers", doc: `
metadata: {name: s}
spec: {selector: {matchLabels: {app: demo}}}`, want: []string{"s:spec"}},
		{name: "bad name", doc: `
metadata: {name: s.x}
spec: {selector: {matchLabels: {app: demo}}, containers: [{name: c, image: c:1}]}`, want: []string{"s.x:metadata.name"}},
		{name: "enums", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  updateStrategy: {type: Sometimes}
  containers:
  - name: c
    image: c:1
    podInjectPolicy: Middle
    shareVolumePolicy: {type: maybe}
    upgradeStrategy: {upgradeType: WarmUpgrade}`, want: []string{
			"s:spec.updateStrategy.type",
			"s:spec.containers[0].podInjectPolicy",
			"s:spec.containers[0].shareVolumePolicy.type",
			"s:spec.containers[0].upgradeStrategy.upgradeType"}},
		{name: "transferEnv fieldRef rules", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  containers:
  - name: c
    image: c:1
    transferEnv:
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: "metadata.labels['ok']"}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: "metadata.annotations['Ok.Key/x']"}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: metadata.name}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: status.podIP}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: "spec['x']"}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {fieldPath: "metadata.labels['bad key']"}}, envName: A}
    - {sourceContainerNameFrom: {fieldRef: {apiVersion: v2, fieldPath: metadata.name}}, envName: A}`, want: []string{
			"s:spec.containers[0].transferEnv[3].sourceContainerNameFrom.fieldRef.fieldPath",
			"s:spec.containers[0].transferEnv[4].sourceContainerNameFrom.fieldRef.fieldPath",
			"s:spec.containers[0].transferEnv[5].sourceContainerNameFrom.fieldRef.fieldPath",
			"s:spec.containers[0].transferEnv[6].sourceContainerNameFrom.fieldRef.apiVersion"}},
		{name: "containers and volumes", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  initContainers: [{name: c, image: i:1}]
  containers:
  - name: c
    volumeMounts: [{name: v, mountPath: /a}, {name: v, mountPath: /a}, {name: w, mountPath: /b}]
    env: [{name: "1BAD", value: x}]
  - {name: Upper, image: u:1}
  volumes:
  - {name: v, emptyDir: {}, hostPath: {path: /x}}
  - {name: v, emptyDir: {}}`, want: []string{
			"s:spec.volumes[0]",
			"s:spec.volumes[1].name",
			"s:spec.containers[0].name",
			"s:spec.containers[0].image",
			"s:spec.containers[0].env[0].name",
			"s:spec.containers[0].volumeMounts[1].mountPath",
			"s:spec.containers[0].volumeMounts[2].name",
			"s:spec.containers[1].name"}},
		{name: "update strategy", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  updateStrategy: {partition: 2, selector: {matchLabels: {canary: "true"}}, maxUnavailable: "x%"}
  containers: [{name: c, image: c:1}]`, want: []string{"s:spec.updateStrategy", "s:spec.updateStrategy.maxUnavailable"}},
		{name: "native sidecar needs NotUpdate", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  initContainers: [{name: i, image: i:1, restartPolicy: Always}]`, want: []string{"s:spec.updateStrategy"}},
		{name: "native sidecar with NotUpdate", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  updateStrategy: {type: NotUpdate}
  initContainers: [{name: i, image: i:1, restartPolicy: Always}]`},
		{name: "hot upgrade", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  initContainers:
  - {name: i, image: i:1, upgradeStrategy: {upgradeType: HotUpgrade, hotUpgradeEmptyImage: e:1}}
  containers:
  - {name: a, image: a:1, upgradeStrategy: {upgradeType: HotUpgrade}}
  - {name: b, image: b:1, upgradeStrategy: {upgradeType: HotUpgrade, hotUpgradeEmptyImage: b:1}}`, want: []string{
			"s:spec.initContainers[0].upgradeStrategy.upgradeType",
			"s:spec.containers[0].upgradeStrategy.hotUpgradeEmptyImage",
			"s:spec.containers[1].upgradeStrategy.hotUpgradeEmptyImage"}},
		{name: "injection revision unsupported", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  injectionStrategy: {revision: {revisionName: s-1}}
  containers: [{name: c, image: c:1}]`, want: []string{"s:spec.injectionStrategy.revision"}},
		{name: "patchPodMetadata", doc: `
metadata: {name: s}
spec:
  selector: {matchLabels: {app: demo}}
  containers: [{name: c, image: c:1}]
  patchPodMetadata:
  - {annotations: {a: "1"}}
  - {patchPolicy: Overwrite, annotations: {a: "2"}}
  - {patchPolicy: MergePatchJson, annotations: {j: "not json"}}
  - {patchPolicy: Replace, annotations: {k: "1"}}
  - {}`, want: []string{
			"s:spec.patchPodMetadata[1].annotations",
			"s:spec.patchPodMetadata[2].annotations[j]",
			"s:spec.patchPodMetadata[3].patchPolicy",
			"s:spec.patchPodMetadata[4].annotations"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(defaulted(mustSet(t, tc.doc)))
			if got := errorFields(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors %q\nwant   %q\n(%v)", got, tc.want, err)
			}
		})
	}
}

func TestValidateSidecarSets(t *testing.T) {
	set := func(name, spec string) string { return "metadata: {name: " + name + "}\nspec:\n" + spec }
	const agent = "  containers: [{name: agent, image: a:1}]\n"
	cases := []struct {
		name string
		sets []string
		want []string
	}{
		{name: "same container, overlapping selectors", sets: []string{
			set("a", "  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  selector: {matchLabels: {tier: web}}\n"+agent),
		}, want: []string{"b/a:spec.containers[0].name"}},
		{name: "same container, disjoint selectors", sets: []string{
			set("a", "  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  selector: {matchLabels: {app: other}}\n"+agent),
		}},
		{name: "same container, different namespaces", sets: []string{
			set("a", "  namespace: x\n  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  namespace: y\n  selector: {matchLabels: {app: demo}}\n"+agent),
		}},
		{name: "namespace outside the other's namespaceSelector", sets: []string{
			set("a", "  namespace: x\n  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]}\n  selector: {matchLabels: {app: demo}}\n"+agent),
		}},
		{name: "namespace perhaps inside the other's namespaceSelector", sets: []string{
			set("a", "  namespace: x\n  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  namespaceSelector: {matchLabels: {team: web}}\n  selector: {matchLabels: {app: demo}}\n"+agent),
		}, want: []string{"b/a:spec.containers[0].name"}},
		{name: "disjoint namespaceSelectors", sets: []string{
			set("a", "  namespaceSelector: {matchLabels: {team: web}}\n  selector: {matchLabels: {app: demo}}\n"+agent),
			set("b", "  namespaceSelector: {matchLabels: {team: db}}\n  selector: {matchLabels: {app: demo}}\n"+agent),
		}},
		{name: "init container names and volumes", sets: []string{
			set("b", "  selector: {matchLabels: {app: demo}}\n  initContainers: [{name: setup, image: s:1}]\n  containers: [{name: cx, image: x:1, volumeMounts: [{name: v, mountPath: /v}]}]\n  volumes: [{name: v, emptyDir: {}}, {name: same, emptyDir: {}}]\n"),
			set("a", "  selector: {matchLabels: {app: demo}}\n  initContainers: [{name: setup, image: s:2}]\n  containers: [{name: cy, image: y:1, volumeMounts: [{name: v, mountPath: /v}]}]\n  volumes: [{name: v, emptyDir: {medium: Memory}}, {name: same, emptyDir: {}}]\n"),
		}, want: []string{"b/a:spec.initContainers[0].name", "b/a:spec.volumes[0]"}},
		{name: "overwrite annotations", sets: []string{
			set("a", "  selector: {matchLabels: {app: demo}}\n  containers: [{name: cx, image: x:1}]\n  patchPodMetadata: [{patchPolicy: Overwrite, annotations: {k: a, r: a}}]\n"),
			set("b", "  selector: {matchLabels: {app: demo}}\n  containers: [{name: cy, image: y:1}]\n  patchPodMetadata: [{patchPolicy: MergePatchJson, annotations: {k: '{}'}}, {annotations: {r: b}}]\n"),
		}, want: []string{"b/a:spec.patchPodMetadata[0].annotations[k]"}},
		{name: "invalid one reported alone", sets: []string{
			set("a", "  selector: {}\n"+agent),
			set("b", "  selector: {matchLabels: {app: demo}}\n"+agent),
		}, want: []string{"a:spec.selector"}},
		{name: "duplicate names", sets: []string{
			set("a", "  selector: {matchLabels: {app: demo}}\n"+agent),
			set("a", "  selector: {matchLabels: {app: other}}\n"+agent),
		}, want: []string{"a:metadata.name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sets []*appsv1alpha1.SidecarSet
			for _, doc := range tc.sets {
				sets = append(sets, mustSet(t, doc))
			}
			err := ValidateSidecarSets(sets)
			if got := errorFields(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors %q\nwant   %q\n(%v)", got, tc.want, err)
			}
		})
	}
}

// TestSelectorsOverlap is the truth table of Kruise's IsSelectorOverlapping.
func TestSelectorsOverlap(t *testing.T) {
	sel := func(doc string) *metav1.LabelSelector {
		s := &metav1.LabelSelector{}
		if err := yaml.UnmarshalStrict([]byte(doc), s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		a, b    string
		overlap bool
	}{
		{"matchLabels: {a: b}", "matchLabels: {a: c}", false},
		{"matchLabels: {a: b}", "matchLabels: {c: d}", true},
		{"matchLabels: {a: b, c: d}", "matchLabels: {a: b}", true},
		{"matchLabels: {a: b, c: d, e: f}", "matchLabels: {a: x, c: d, e: f}", false},
		{"matchExpressions: [{key: a, operator: In, values: [b, c]}]", "matchExpressions: [{key: a, operator: NotIn, values: [b, c, d]}]", false},
		{"matchExpressions: [{key: a, operator: In, values: [b, c]}]", "matchExpressions: [{key: a, operator: NotIn, values: [b]}]", true},
		{"matchExpressions: [{key: a, operator: In, values: [b, c]}]", "matchExpressions: [{key: a, operator: In, values: [c, d]}]", true},
		{"matchExpressions: [{key: a, operator: In, values: [b]}]", "matchExpressions: [{key: a, operator: In, values: [d]}]", false},
		{"matchExpressions: [{key: a, operator: Exists}]", "matchExpressions: [{key: a, operator: DoesNotExist}]", false},
		{"matchExpressions: [{key: a, operator: Exists}]", "matchLabels: {a: z}", true},
		{"matchLabels: {c: d}", "matchExpressions: [{key: a, operator: Exists}]", false},
		{"matchExpressions: [{key: a, operator: NotIn, values: [b]}]", "matchExpressions: [{key: a, operator: DoesNotExist}]", true},
	}
	for _, tc := range cases {
		if got := selectorsOverlap(sel(tc.a), sel(tc.b)); got != tc.overlap {
			t.Errorf("overlap(%s | %s) = %v, want %v", tc.a, tc.b, got, tc.overlap)
		}
		if got := selectorsOverlap(sel(tc.b), sel(tc.a)); got != tc.overlap {
			t.Errorf("overlap(%s | %s) = %v, want %v (swapped)", tc.b, tc.a, got, tc.overlap)
		}
	}
}

func TestFieldErrorIs(t *testing.T) {
	err := Validate(defaulted(mustSet(t, "metadata: {name: s}\nspec: {selector: {}}")))
	if !errors.Is(err, ErrInvalidSidecarSet) {
		t.Fatalf("errors.Is(%v, ErrInvalidSidecarSet) = false", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.SidecarSet != "s" {
		t.Fatalf("errors.As: %#v", fe)
	}
}
