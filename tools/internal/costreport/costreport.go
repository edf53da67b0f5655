// Package costreport is the typed contract between tools/costestimate, which writes a
// monthly cost delta as JSON (`costestimate --compare BASE --format json`), and
// tools/prcomment, which renders it in the pull-request comment: both use these types,
// so neither parses the other's prose.
package costreport

import (
	"encoding/json"
	"fmt"
	"io"
)

// Delta is the cost delta of an assembly (head) against another (base).
type Delta struct {
	// Environments are sorted by name.
	Environments []Environment `json:"environments"`
}

// Environment is the delta of one environment (CDK stage).
type Environment struct {
	// Name is the stage name, e.g. "Staging".
	Name string `json:"name"`
	// Base and Head are the monthly totals in USD.
	Base float64 `json:"base"`
	Head float64 `json:"head"`
	// Delta is Head − Base, rounded to cents.
	Delta float64 `json:"delta"`
	// Changes are the lines that differ, sorted by stack and logical id.
	Changes []Change `json:"changes"`
}

// Change is one priced line that was added, removed or changed.
type Change struct {
	// Kind is "added", "removed" or "changed".
	Kind string `json:"kind"`
	// Stack is the stack's display name, e.g. "Staging/Service".
	Stack string `json:"stack"`
	// LogicalID is the resource's logical id, or a usage line's name.
	LogicalID string `json:"logicalId"`
	// Type is the CloudFormation type, or "usage".
	Type string `json:"type"`
	// Base, Head and Delta are monthly USD.
	Base  float64 `json:"base"`
	Head  float64 `json:"head"`
	Delta float64 `json:"delta"`
	// Basis says how the head (or, when removed, the base) figure was computed.
	Basis string `json:"basis"`
}

// Write encodes d as indented JSON.
func Write(w io.Writer, d Delta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// Read decodes a Delta, refusing unknown fields so that a change of the contract fails
// loudly in the reader's tests rather than dropping data.
func Read(r io.Reader) (Delta, error) {
	var d Delta
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Delta{}, fmt.Errorf("cost delta JSON: %w", err)
	}
	return d, nil
}
