package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A small reader of the CDK cloud assembly (cdk.out) for the contract test:
// the app module cannot import the root module, and the test must see the
// task definition exactly as CloudFormation will, intrinsics included.

type cfnResource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type stackTemplate struct {
	name      string
	Resources map[string]cfnResource `json:"Resources"`
	Outputs   map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
}

// environmentAssembly is one nested assembly (one environment, a Stage).
type environmentAssembly struct {
	dir    string
	stacks map[string]*stackTemplate // by CloudFormation stack name
}

type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			DirectoryName string `json:"directoryName"`
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path) //nolint:gosec // test input: the synthesized assembly
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadAssemblies reads cdkOut/manifest.json and every nested assembly it
// lists, sorted by directory name.
func loadAssemblies(cdkOut string) ([]*environmentAssembly, error) {
	var top manifest
	if err := readJSON(filepath.Join(cdkOut, "manifest.json"), &top); err != nil {
		return nil, err
	}
	var out []*environmentAssembly
	for _, a := range top.Artifacts {
		if a.Type != "cdk:cloud-assembly" {
			continue
		}
		env := &environmentAssembly{dir: a.Properties.DirectoryName, stacks: map[string]*stackTemplate{}}
		var m manifest
		if err := readJSON(filepath.Join(cdkOut, env.dir, "manifest.json"), &m); err != nil {
			return nil, err
		}
		for id, s := range m.Artifacts {
			if s.Type != "aws:cloudformation:stack" {
				continue
			}
			st := &stackTemplate{name: s.Properties.StackName}
			if st.name == "" {
				st.name = id
			}
			if err := readJSON(filepath.Join(cdkOut, env.dir, s.Properties.TemplateFile), st); err != nil {
				return nil, err
			}
			env.stacks[st.name] = st
		}
		out = append(out, env)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out, nil
}

// containerDef is the part of an ECS container definition the app depends on.
type containerDef struct {
	Name        string `json:"Name"`
	Environment []struct {
		Name  string `json:"Name"`
		Value any    `json:"Value"`
	} `json:"Environment"`
	Secrets []struct {
		Name      string `json:"Name"`
		ValueFrom any    `json:"ValueFrom"`
	} `json:"Secrets"`
	HealthCheck struct {
		Command []string `json:"Command"`
	} `json:"HealthCheck"`
	PortMappings []struct {
		ContainerPort float64 `json:"ContainerPort"`
	} `json:"PortMappings"`
}

// apiContainer finds the container "api" of the environment's task
// definition and the stack holding it.
func (e *environmentAssembly) apiContainer() (*stackTemplate, *containerDef, error) {
	var found []string
	for _, st := range e.stacks {
		for id, r := range st.Resources {
			if r.Type != "AWS::ECS::TaskDefinition" {
				continue
			}
			raw, _ := json.Marshal(r.Properties["ContainerDefinitions"])
			var defs []containerDef
			if err := json.Unmarshal(raw, &defs); err != nil {
				return nil, nil, fmt.Errorf("%s/%s: %w", st.name, id, err)
			}
			for i := range defs {
				if defs[i].Name == "api" {
					return st, &defs[i], nil
				}
				found = append(found, defs[i].Name)
			}
		}
	}
	return nil, nil, fmt.Errorf("%s: no task definition with a container named \"api\" (containers: %v)", e.dir, found)
}

// cfnRef is a resolved reference: Ref (attr "") or Fn::GetAtt of a resource.
type cfnRef struct {
	stack *stackTemplate
	id    string
	attr  string
}

func (r *cfnRef) resource() cfnResource { return r.stack.Resources[r.id] }

func (r *cfnRef) String() string {
	if r.attr == "" {
		return fmt.Sprintf("Ref %s/%s (%s)", r.stack.name, r.id, r.resource().Type)
	}
	return fmt.Sprintf("GetAtt %s/%s.%s (%s)", r.stack.name, r.id, r.attr, r.resource().Type)
}

// resolve turns a template value into a literal or a resource reference,
// following Fn::GetStackOutput into the other stack's Outputs.
func (e *environmentAssembly) resolve(st *stackTemplate, v any) (string, *cfnRef, error) {
	switch x := v.(type) {
	case string:
		return x, nil, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil, nil
	case bool:
		return strconv.FormatBool(x), nil, nil
	case map[string]any:
		if len(x) != 1 {
			return "", nil, fmt.Errorf("unsupported value %v", x)
		}
		for fn, arg := range x {
			return e.resolveIntrinsic(st, fn, arg)
		}
	}
	return "", nil, fmt.Errorf("unsupported value %#v", v)
}

func (e *environmentAssembly) resolveIntrinsic(st *stackTemplate, fn string, arg any) (string, *cfnRef, error) {
	switch fn {
	case "Fn::GetStackOutput":
		m, _ := arg.(map[string]any)
		name, _ := m["StackName"].(string)
		out, _ := m["OutputName"].(string)
		other, ok := e.stacks[name]
		if !ok {
			return "", nil, fmt.Errorf("Fn::GetStackOutput: no stack %q in %s", name, e.dir)
		}
		o, ok := other.Outputs[out]
		if !ok {
			return "", nil, fmt.Errorf("Fn::GetStackOutput: stack %s has no output %q", name, out)
		}
		return e.resolve(other, o.Value)
	case "Ref":
		id, _ := arg.(string)
		if _, ok := st.Resources[id]; !ok {
			return "", nil, fmt.Errorf("Ref %q: no such resource in %s (pseudo parameters are not supported)", id, st.name)
		}
		return "", &cfnRef{stack: st, id: id}, nil
	case "Fn::GetAtt":
		parts, _ := arg.([]any)
		if len(parts) != 2 {
			return "", nil, fmt.Errorf("Fn::GetAtt %v: want [resource, attribute]", arg)
		}
		id, _ := parts[0].(string)
		attr, _ := parts[1].(string)
		if _, ok := st.Resources[id]; !ok {
			return "", nil, fmt.Errorf("Fn::GetAtt %q: no such resource in %s", id, st.name)
		}
		return "", &cfnRef{stack: st, id: id, attr: attr}, nil
	}
	return "", nil, fmt.Errorf("unsupported intrinsic %s", fn)
}

// refTo resolves a Ref property of r to another resource of the same stack.
func refTo(r *cfnRef, prop string) (*cfnRef, error) {
	m, _ := r.resource().Properties[prop].(map[string]any)
	id, _ := m["Ref"].(string)
	if _, ok := r.stack.Resources[id]; !ok {
		return nil, fmt.Errorf("%s: property %s is not a Ref to a resource of the stack", r, prop)
	}
	return &cfnRef{stack: r.stack, id: id}, nil
}

const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// generateSecret produces a value following the secret's
// GenerateSecretString rules, as Secrets Manager would (length, excluded
// characters and classes, JSON template), or returns its literal value.
func generateSecret(r cfnResource) (string, error) {
	if s, ok := r.Properties["SecretString"].(string); ok {
		return s, nil
	}
	g, ok := r.Properties["GenerateSecretString"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("secret has neither SecretString nor GenerateSecretString")
	}
	flag := func(k string) bool { b, _ := g[k].(bool); return b }
	length := 32
	if n, ok := g["PasswordLength"].(float64); ok {
		length = int(n)
	}
	alphabet := ""
	if !flag("ExcludeLowercase") {
		alphabet += "abcdefghijklmnopqrstuvwxyz"
	}
	if !flag("ExcludeUppercase") {
		alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	if !flag("ExcludeNumbers") {
		alphabet += "0123456789"
	}
	if !flag("ExcludePunctuation") {
		alphabet += punctuation
	}
	if flag("IncludeSpace") {
		alphabet += " "
	}
	excluded, _ := g["ExcludeCharacters"].(string)
	alphabet = strings.Map(func(c rune) rune {
		if strings.ContainsRune(excluded, c) {
			return -1
		}
		return c
	}, alphabet)
	if alphabet == "" || length <= 0 {
		return "", fmt.Errorf("GenerateSecretString %v leaves nothing to generate from", g)
	}
	var b strings.Builder
	for b.Len() < length {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(alphabet[n.Int64()])
	}
	tmpl, _ := g["SecretStringTemplate"].(string)
	if tmpl == "" {
		return b.String(), nil
	}
	key, _ := g["GenerateStringKey"].(string)
	var obj map[string]any
	if err := json.Unmarshal([]byte(tmpl), &obj); err != nil || key == "" {
		return "", fmt.Errorf("SecretStringTemplate %q / GenerateStringKey %q: want a JSON object and a key", tmpl, key)
	}
	obj[key] = b.String()
	out, err := json.Marshal(obj)
	return string(out), err
}
