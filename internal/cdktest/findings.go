package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Findings are the error and warning annotations (cdk-nag findings, construct
// validation, deprecations) of every stack of a synthesized assembly.
type Findings struct {
	// Stacks is the number of stack metadata files read.
	Stacks int
	// Errors and Warnings are "<construct path>: <message>", sorted.
	Errors, Warnings []string
}

// ReadFindings reads the findings of the assembly in dir (its nested assemblies' stack
// metadata, where synthesis writes them) from JSON: assertions.Annotations_FromStack
// reads the same through jsii, at seconds per stack.
func ReadFindings(dir string) (Findings, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.metadata.json"))
	if err != nil {
		return Findings{}, err
	}
	var out Findings
	for _, file := range files {
		raw, err := os.ReadFile(filepath.Clean(file)) // files of the assembly CDK just wrote
		if err != nil {
			return Findings{}, err
		}
		var entries map[string][]struct {
			Type string `json:"type"`
			Data any    `json:"data"`
		}
		if err := json.Unmarshal(raw, &entries); err != nil {
			return Findings{}, fmt.Errorf("%s: %w", file, err)
		}
		out.Stacks++
		for path, list := range entries {
			for _, e := range list {
				switch e.Type {
				case "aws:cdk:error":
					out.Errors = append(out.Errors, fmt.Sprintf("%s: %v", path, e.Data))
				case "aws:cdk:warning":
					out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %v", path, e.Data))
				}
			}
		}
	}
	sort.Strings(out.Errors)
	sort.Strings(out.Warnings)
	return out, nil
}
