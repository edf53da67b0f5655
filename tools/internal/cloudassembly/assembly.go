// Package cloudassembly reads a synthesized CDK cloud assembly (a cdk.out directory) as
// plain JSON: the manifests, every stack of every nested stage assembly and its
// CloudFormation template. It deliberately does not import the CDK packages, so the tools
// that use it (cost estimate, architecture diagram, stateful guard) build in seconds and
// run without Node.js or jsii.
package cloudassembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// DefaultDir is the directory `cdk synth` writes the assembly to, and the one the tools
// read when they are given none.
const DefaultDir = "cdk.out"

// Assembly is a cloud assembly reduced to its CloudFormation stacks.
type Assembly struct {
	// Dir is the assembly's root directory, as given to Load.
	Dir string
	// Stacks are every stack of every nested assembly, sorted by Name.
	Stacks []*Stack

	opts options
}

// Option changes how Load reads an assembly.
type Option func(*options)

type options struct {
	allowAgnostic bool
}

// AllowAgnosticStacks makes Load accept stacks without a concrete environment (CDK's
// environment-agnostic "aws://unknown-account/unknown-region", or none at all); their
// Account and Region are empty. A tool that only compares templates needs no region; by
// default Load refuses such stacks, because a price or a diagram does.
func AllowAgnosticStacks() Option {
	return func(o *options) { o.allowAgnostic = true }
}

// Stack is one CloudFormation stack artifact and its parsed template.
type Stack struct {
	// Name is the artifact's display name, e.g. "Production/Data".
	Name string
	// ArtifactID is the stack artifact's id in its manifest ("ProductionDataBCCFC6B1"),
	// which stays the same when only the display name changes.
	ArtifactID string
	// Environment is the CDK stage the stack belongs to ("Production"): the display name
	// of its nested assembly, or the part of Name before the first "/" for a top-level stack.
	Environment string
	// StackName is the CloudFormation stack name ("Production-Data"), which
	// Fn::GetStackOutput references use.
	StackName string
	// Account and Region come from the artifact's environment "aws://<account>/<region>"
	// (both empty for an environment-agnostic stack, loaded with AllowAgnosticStacks).
	Account, Region string
	// TemplatePath is the path of the template file.
	TemplatePath string
	// Resources maps logical ids to the template's resources.
	Resources map[string]Resource
	// Outputs maps output names to the template's outputs.
	Outputs map[string]Output
	// Parameters, Mappings and Conditions are the template's sections of those names, for
	// the evaluator (Eval) to resolve Ref, Fn::FindInMap and Fn::If.
	Parameters map[string]Parameter
	Mappings   map[string]any
	Conditions map[string]any
	// Roles are the CDK bootstrap roles the CLI assumes to deploy this stack, as the
	// manifests name them ("" or nil when the stack is deployed with the caller's own
	// credentials, e.g. an environment-agnostic or legacy-synthesized stack).
	Roles BootstrapRoles
}

// Resource is one entry of a template's Resources section.
type Resource struct {
	// Type is the CloudFormation type, e.g. "AWS::RDS::DBInstance".
	Type string `json:"Type"`
	// Properties are the resource's properties as decoded JSON values.
	Properties map[string]any `json:"Properties"`
	// Metadata is the resource's Metadata section; CDK writes the construct path there
	// (see Path).
	Metadata map[string]any `json:"Metadata"`
	// Condition names the template condition that decides whether the resource exists.
	Condition string `json:"Condition"`
	// DeletionPolicy and UpdateReplacePolicy are the resource's policies ("" when absent).
	DeletionPolicy      string `json:"DeletionPolicy"`
	UpdateReplacePolicy string `json:"UpdateReplacePolicy"`
}

// Path returns the construct path CDK records in the resource's "aws:cdk:path" metadata
// ("Staging/Service/Api/Task/ExecutionRole/Resource"), or "" when there is none.
func (r Resource) Path() string { return String(r.Metadata["aws:cdk:path"]) }

// Output is one entry of a template's Outputs section.
type Output struct {
	// Value is the output's value as decoded JSON (often a Ref or Fn::GetAtt).
	Value any `json:"Value"`
}

type manifest struct {
	Artifacts map[string]artifact `json:"artifacts"`
}

type artifact struct {
	Type         string   `json:"type"`
	Environment  string   `json:"environment"`
	DisplayName  string   `json:"displayName"`
	Dependencies []string `json:"dependencies"`
	Properties   struct {
		TemplateFile  string `json:"templateFile"`
		StackName     string `json:"stackName"`
		DirectoryName string `json:"directoryName"`
		DisplayName   string `json:"displayName"`
		// File is the asset manifest of an artifact of type cdk:asset-manifest.
		File string `json:"file"`
		stackRoles
	} `json:"properties"`
}

const (
	artifactStack    = "aws:cloudformation:stack"
	artifactAssembly = "cdk:cloud-assembly"
	artifactAssets   = "cdk:asset-manifest"
	// maxNesting bounds the walk of nested assemblies (stages within stages).
	maxNesting = 8
)

// Load reads the cloud assembly in dir, every nested assembly it references (one per CDK
// Stage) and every stack template.
func Load(dir string, opts ...Option) (*Assembly, error) {
	a := &Assembly{Dir: dir}
	for _, o := range opts {
		o(&a.opts)
	}
	if err := a.load(dir, "", 0); err != nil {
		return nil, err
	}
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	for i := 1; i < len(a.Stacks); i++ {
		if a.Stacks[i].Name == a.Stacks[i-1].Name {
			return nil, fmt.Errorf("%s: stack %q appears twice", dir, a.Stacks[i].Name)
		}
	}
	return a, nil
}

// DirArg returns the cloud assembly directory named by a command's positional arguments:
// DefaultDir when there are none, the one given, or an error when there are more.
func DirArg(args []string) (string, error) {
	switch len(args) {
	case 0:
		return DefaultDir, nil
	case 1:
		return args[0], nil
	}
	return "", errors.New("at most one cloud assembly directory")
}

func (a *Assembly) load(dir, env string, depth int) error {
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
		if err := a.loadArtifact(dir, env, depth, id, m.Artifacts); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

func (a *Assembly) loadArtifact(dir, env string, depth int, id string, arts map[string]artifact) error {
	art := arts[id]
	switch art.Type {
	case artifactAssembly:
		sub := art.Properties.DirectoryName
		if sub == "" {
			return fmt.Errorf("nested assembly %q has no directoryName", id)
		}
		stage := art.Properties.DisplayName
		if stage == "" {
			stage = id
		}
		return a.load(filepath.Join(dir, sub), stage, depth+1)
	case artifactStack:
		st, err := loadStack(dir, env, id, art, a.opts)
		if err != nil {
			return err
		}
		if st.Roles, err = bootstrapRoles(dir, st, art, arts); err != nil {
			return fmt.Errorf("stack %q: %w", st.Name, err)
		}
		a.Stacks = append(a.Stacks, st)
	}
	return nil
}

func loadStack(dir, env, id string, art artifact, opts options) (*Stack, error) {
	name := art.DisplayName
	if name == "" {
		name = id
	}
	if env == "" {
		env, _, _ = strings.Cut(name, "/")
	}
	account, region, err := parseEnvironment(art.Environment)
	if err != nil && !opts.allowAgnostic {
		return nil, fmt.Errorf("stack %q: %w", name, err)
	}
	if art.Properties.TemplateFile == "" {
		return nil, fmt.Errorf("stack %q has no templateFile", name)
	}
	st := &Stack{
		Name: name, ArtifactID: id, Environment: env, StackName: art.Properties.StackName,
		Account: account, Region: region,
		TemplatePath: filepath.Join(dir, art.Properties.TemplateFile),
	}
	if st.StackName == "" {
		st.StackName = id
	}
	raw, err := os.ReadFile(st.TemplatePath)
	if err != nil {
		return nil, err
	}
	if err := st.setTemplate(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", st.TemplatePath, err)
	}
	return st, nil
}

// parseEnvironment splits "aws://<account>/<region>". Environment-agnostic stacks
// ("unknown-region") are refused: a price or a diagram needs a concrete region.
func parseEnvironment(env string) (account, region string, err error) {
	rest, ok := strings.CutPrefix(env, "aws://")
	account, region, found := strings.Cut(rest, "/")
	if !ok || !found || account == "" || region == "" || strings.Contains(region, "/") {
		return "", "", fmt.Errorf("environment %q is not aws://<account>/<region>", env)
	}
	if strings.HasPrefix(region, "unknown-") {
		return "", "", fmt.Errorf("environment %q has no concrete region", env)
	}
	return account, region, nil
}

// Environments returns the distinct environments (stages) of the assembly, sorted.
func (a *Assembly) Environments() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range a.Stacks {
		if !seen[s.Environment] {
			seen[s.Environment] = true
			out = append(out, s.Environment)
		}
	}
	sort.Strings(out)
	return out
}

// StacksOf returns the stacks of one environment, sorted by name.
func (a *Assembly) StacksOf(env string) []*Stack {
	var out []*Stack
	for _, s := range a.Stacks {
		if s.Environment == env {
			out = append(out, s)
		}
	}
	return out
}

// Stack returns the stack whose display name (Name) is name, or nil.
func (a *Assembly) Stack(name string) *Stack {
	i := slices.IndexFunc(a.Stacks, func(s *Stack) bool { return s.Name == name })
	if i < 0 {
		return nil
	}
	return a.Stacks[i]
}

// StackNames returns the display names of the assembly's stacks, sorted.
func (a *Assembly) StackNames() []string {
	names := make([]string, len(a.Stacks))
	for i, s := range a.Stacks {
		names[i] = s.Name
	}
	return names
}

// StackNamed returns the stack whose CloudFormation stack name is name, or nil.
func (a *Assembly) StackNamed(name string) *Stack {
	for _, s := range a.Stacks {
		if s.StackName == name {
			return s
		}
	}
	return nil
}

// LogicalIDs returns the stack's logical ids, sorted.
func (s *Stack) LogicalIDs() []string {
	ids := make([]string, 0, len(s.Resources))
	for id := range s.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
