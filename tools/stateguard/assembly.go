package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Assembly is a synthesized cloud assembly (a cdk.out directory) reduced to what the
// guard compares: every CloudFormation stack of every nested stage assembly, keyed by
// its display name ("Production/Data").
type Assembly struct {
	// Dir is the assembly's root directory, as given.
	Dir string
	// Stacks maps a stack's display name to the stack.
	Stacks map[string]*Stack
}

// Stack is one CloudFormation stack of an assembly with its parsed template.
type Stack struct {
	// Name is the artifact's displayName ("Production/Data"), or its artifact id when
	// the manifest gives none.
	Name string
	// ArtifactID is the id of the stack artifact in its manifest ("ProductionDataBCCFC6B1").
	ArtifactID string
	// TemplatePath is the path of the stack's template file.
	TemplatePath string
	// Resources maps logical ids to the template's resources.
	Resources map[string]Resource
}

// Resource is one entry of a template's Resources section.
type Resource struct {
	// Type is the CloudFormation resource type, e.g. "AWS::S3::Bucket".
	Type string `json:"Type"`
	// Properties are the resource's properties as decoded JSON values.
	Properties map[string]any `json:"Properties"`
}

// manifest is the subset of a cloud assembly manifest.json the guard reads.
type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		DisplayName string `json:"displayName"`
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

const (
	artifactStack    = "aws:cloudformation:stack"
	artifactAssembly = "cdk:cloud-assembly"
	// maxNesting bounds the walk of nested assemblies (stages within stages).
	maxNesting = 8
)

// LoadAssembly reads the cloud assembly in dir and every nested assembly it references
// (one per CDK Stage), and parses each stack's template.
func LoadAssembly(dir string) (*Assembly, error) {
	a := &Assembly{Dir: dir, Stacks: map[string]*Stack{}}
	if err := a.load(dir, 0); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Assembly) load(dir string, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("%s: nested assemblies deeper than %d levels", dir, maxNesting)
	}
	path := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s has no manifest.json: it is not a synthesized cloud assembly (run `make synth` to produce cdk.out)", dir)
	}
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: not a cloud assembly manifest: %w", path, err)
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		art := m.Artifacts[id]
		switch art.Type {
		case artifactAssembly:
			sub := art.Properties.DirectoryName
			if sub == "" {
				return fmt.Errorf("%s: nested assembly %q has no directoryName", path, id)
			}
			if err := a.load(filepath.Join(dir, sub), depth+1); err != nil {
				return err
			}
		case artifactStack:
			name := art.DisplayName
			if name == "" {
				name = id
			}
			if prev, dup := a.Stacks[name]; dup {
				return fmt.Errorf("stack %q appears twice (%s and %s)", name, prev.TemplatePath, filepath.Join(dir, art.Properties.TemplateFile))
			}
			if art.Properties.TemplateFile == "" {
				return fmt.Errorf("%s: stack %q has no templateFile", path, name)
			}
			st, err := loadStack(name, id, filepath.Join(dir, art.Properties.TemplateFile))
			if err != nil {
				return err
			}
			a.Stacks[name] = st
		}
	}
	return nil
}

func loadStack(name, id, templatePath string) (*Stack, error) {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	var tpl struct {
		Resources map[string]Resource `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return nil, fmt.Errorf("stack %s: %s is not a JSON template: %w", name, templatePath, err)
	}
	if tpl.Resources == nil {
		tpl.Resources = map[string]Resource{}
	}
	return &Stack{Name: name, ArtifactID: id, TemplatePath: templatePath, Resources: tpl.Resources}, nil
}

// StackNames returns the assembly's stack names, sorted.
func (a *Assembly) StackNames() []string {
	names := make([]string, 0, len(a.Stacks))
	for n := range a.Stacks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup finds the stack matching base in a: by display name first, then by artifact id
// (so a stack whose display name changed but whose artifact id did not still matches).
func (a *Assembly) lookup(base *Stack) *Stack {
	if st, ok := a.Stacks[base.Name]; ok {
		return st
	}
	for _, st := range a.Stacks {
		if st.ArtifactID == base.ArtifactID {
			return st
		}
	}
	return nil
}
