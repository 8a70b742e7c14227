package sidecar

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The pod annotations and env var that are Kruise's injection contract: Kruise
// tooling, kubectl users and ferry itself read them.
const (
	// AnnotationHash maps SidecarSet name to the UpgradeSpec of the revision
	// injected into the pod.
	AnnotationHash = "kruise.io/sidecarset-hash"
	// AnnotationHashWithoutImage is AnnotationHash with image-less hashes.
	AnnotationHashWithoutImage = "kruise.io/sidecarset-hash-without-image"
	// AnnotationInjectedList lists the injected SidecarSets, sorted, comma-joined.
	AnnotationInjectedList = "kruise.io/sidecarset-injected-list"
	// EnvInjected is set to "true" on every injected container; containers
	// carrying it are sidecars, never "app containers" to share volumes from.
	EnvInjected = "IS_INJECTED"
)

// UpgradeSpec is one entry of the hash annotations, encoded as Kruise's
// SidecarSetUpgradeSpec (pkg/control/sidecarcontrol/util.go).
//
// UpdateTimestamp is the zero time (encoded null) at render time: a rendered
// template is content-addressed by its workload, and a wall-clock value would
// make every render of the same commit a new CloneSet revision that rolls
// every pod. The webhook stamps the admission time, as Kruise does.
type UpgradeSpec struct {
	UpdateTimestamp    metav1.Time `json:"updateTimestamp"`
	Hash               string      `json:"hash"`
	SidecarSetName     string      `json:"sidecarSetName"`
	SidecarList        []string    `json:"sidecarList"`
	ControllerRevision string      `json:"controllerRevision,omitempty"`
}

// Record is the decoded pair of hash annotations and the injected list of one
// pod or template: what has been injected into it so far.
type Record struct {
	Hash             map[string]UpgradeSpec
	HashWithoutImage map[string]UpgradeSpec
	Injected         []string
}

// ReadRecord decodes the injection annotations. Values written by Kruise
// before v0.9 map names to bare hash strings; they are read as UpgradeSpecs
// with only Hash and SidecarSetName set, as Kruise does.
func ReadRecord(annotations map[string]string) (Record, error) {
	r := Record{}
	var err error
	if r.Hash, err = decodeSpecs(annotations[AnnotationHash]); err != nil {
		return r, fmt.Errorf("annotation %s: %w", AnnotationHash, err)
	}
	if r.HashWithoutImage, err = decodeSpecs(annotations[AnnotationHashWithoutImage]); err != nil {
		return r, fmt.Errorf("annotation %s: %w", AnnotationHashWithoutImage, err)
	}
	if list := annotations[AnnotationInjectedList]; list != "" {
		r.Injected = strings.Split(list, ",")
	}
	return r, nil
}

func decodeSpecs(value string) (map[string]UpgradeSpec, error) {
	specs := map[string]UpgradeSpec{}
	if value == "" {
		return specs, nil
	}
	if err := json.Unmarshal([]byte(value), &specs); err == nil {
		return specs, nil
	}
	var legacy map[string]string
	if err := json.Unmarshal([]byte(value), &legacy); err != nil {
		return nil, fmt.Errorf("neither a map of upgrade specs nor of hashes: %w", err)
	}
	specs = make(map[string]UpgradeSpec, len(legacy))
	for name, hash := range legacy {
		specs[name] = UpgradeSpec{Hash: hash, SidecarSetName: name}
	}
	return specs, nil
}

// Add records one injected SidecarSet.
func (r *Record) Add(full, withoutImage UpgradeSpec) {
	r.Hash[full.SidecarSetName] = full
	r.HashWithoutImage[withoutImage.SidecarSetName] = withoutImage
	r.Injected = append(r.Injected, full.SidecarSetName)
}

// Write encodes the record into annotations (which must not be nil). The
// injected list is de-duplicated and sorted, so the output does not depend on
// the order SidecarSets were injected in.
func (r *Record) Write(annotations map[string]string) error {
	full, err := json.Marshal(r.Hash)
	if err != nil {
		return fmt.Errorf("encode %s: %w", AnnotationHash, err)
	}
	noImage, err := json.Marshal(r.HashWithoutImage)
	if err != nil {
		return fmt.Errorf("encode %s: %w", AnnotationHashWithoutImage, err)
	}
	annotations[AnnotationHash] = string(full)
	annotations[AnnotationHashWithoutImage] = string(noImage)
	annotations[AnnotationInjectedList] = strings.Join(sortedUnique(r.Injected), ",")
	return nil
}

func sortedUnique(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
