// Package simulate runs ferry's CloneSet planner offline: it starts from a
// CloneSet and a description of its pods, runs one engine pass at a time on
// simulated pods, carries out each plan, lets every pod become ready, and
// records the steps until a pass has nothing left to do. `ferry rollout
// simulate` prints the result and `ferry diff` uses it to preview the rollout
// a change triggers.
package simulate

import (
	"errors"
	"fmt"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	"sigs.k8s.io/yaml"
)

// ErrBadScenario is wrapped by every error about a pods file.
var ErrBadScenario = errors.New("invalid simulation scenario")

// RevisionRef names one of the two revisions of a simulation.
type RevisionRef string

const (
	// RevisionCurrent is an older template than the CloneSet's (the one given
	// with --from, or one that differs from the CloneSet's in metadata only).
	RevisionCurrent RevisionRef = "current"
	// RevisionUpdate is the CloneSet's own template.
	RevisionUpdate RevisionRef = "update"
)

// Scenario is the pods file:
//
//	currentRevision: current      # or update: status.currentRevision already is the update revision
//	pods:
//	- {name: demo-0, revision: current, ready: true}
//	- {name: demo-1, revision: update, ready: true, available: false}
//	- {name: demo-2, revision: current, specifiedDelete: true}
//	- {name: demo-3, revision: current, lifecycleState: PreparingDelete}
type Scenario struct {
	CurrentRevision RevisionRef   `json:"currentRevision,omitempty"`
	Pods            []ScenarioPod `json:"pods"`
}

// ScenarioPod is one pod of a scenario. Unset fields default to: name
// "<cloneset>-<index>", revision current, ready true, available = ready,
// lifecycleState Normal.
type ScenarioPod struct {
	Name     string      `json:"name,omitempty"`
	Revision RevisionRef `json:"revision,omitempty"`
	Ready    *bool       `json:"ready,omitempty"`
	// Available false on a ready pod means it has not yet been ready for
	// minReadySeconds (the simulation uses minReadySeconds >= 1 then).
	Available       *bool                      `json:"available,omitempty"`
	SpecifiedDelete bool                       `json:"specifiedDelete,omitempty"`
	LifecycleState  appspub.LifecycleStateType `json:"lifecycleState,omitempty"`
}

// LoadScenario decodes a pods file (YAML or JSON); unknown fields are errors.
func LoadScenario(data []byte) (Scenario, error) {
	var sc Scenario
	if err := yaml.UnmarshalStrict(data, &sc); err != nil {
		return Scenario{}, fmt.Errorf("%w: %w", ErrBadScenario, err)
	}
	return sc, sc.validate()
}

// DefaultScenario is "replicas pods at the current revision, all ready".
func DefaultScenario(replicas int) Scenario {
	return Scenario{Pods: make([]ScenarioPod, replicas)}
}

var lifecycleStates = map[appspub.LifecycleStateType]bool{
	"": true, appspub.LifecycleStatePreparingNormal: true, appspub.LifecycleStateNormal: true,
	appspub.LifecycleStatePreparingUpdate: true, appspub.LifecycleStateUpdating: true,
	appspub.LifecycleStateUpdated: true, appspub.LifecycleStatePreparingDelete: true,
}

func (sc Scenario) validate() error {
	if !validRef(sc.CurrentRevision) {
		return fmt.Errorf("%w: currentRevision %q: want current or update", ErrBadScenario, sc.CurrentRevision)
	}
	names := map[string]bool{}
	for i, p := range sc.Pods {
		if !validRef(p.Revision) {
			return fmt.Errorf("%w: pods[%d].revision %q: want current or update", ErrBadScenario, i, p.Revision)
		}
		if !lifecycleStates[p.LifecycleState] {
			return fmt.Errorf("%w: pods[%d].lifecycleState %q is not a Kruise lifecycle state", ErrBadScenario, i, p.LifecycleState)
		}
		if p.Ready != nil && !*p.Ready && p.Available != nil && *p.Available {
			return fmt.Errorf("%w: pods[%d]: available but not ready", ErrBadScenario, i)
		}
		if p.Name != "" {
			if names[p.Name] {
				return fmt.Errorf("%w: pods[%d].name %q is used twice", ErrBadScenario, i, p.Name)
			}
			names[p.Name] = true
		}
	}
	return nil
}

func validRef(r RevisionRef) bool {
	return r == "" || r == RevisionCurrent || r == RevisionUpdate
}

func (p ScenarioPod) ready() bool { return p.Ready == nil || *p.Ready }

func (p ScenarioPod) available() bool {
	if p.Available != nil {
		return *p.Available
	}
	return p.ready()
}
