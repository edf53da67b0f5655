// Package bootstrap reads the CloudFormation template that `cdk bootstrap` deploys, from
// the CDK CLI this repository pins (node_modules/aws-cdk), and turns it into the stack one
// account and region would have: the deploy, file- and image-publishing, lookup and
// CloudFormation-execution roles the CLI assumes. Tools that evaluate who may do what
// (tools/access) need those roles, and the CLI's own template is the authoritative source
// of their policies — not a copy written by hand.
package bootstrap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// TemplatePath is where the pinned CDK CLI ships the bootstrap template, relative to the
// repository root.
const TemplatePath = "node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml"

// DefaultQualifier is the qualifier of the default bootstrap stack.
const DefaultQualifier = "hnb659fds"

// StackName is the name `cdk bootstrap` gives the stack.
const StackName = "CDKToolkit"

// Template is a decoded bootstrap template: the JSON values of its YAML.
type Template map[string]any

// ReadTemplate reads and decodes the bootstrap template at path (see TemplatePath).
func ReadTemplate(path string) (Template, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: run `make deps` (npm ci) to install the pinned CDK CLI", path)
	}
	if err != nil {
		return nil, err
	}
	return ParseTemplate(raw)
}

// ParseTemplate decodes a CloudFormation template in YAML. Short-form intrinsics
// (!Ref, !Sub, !GetAtt ...) become their long forms ({"Ref": ...}), and numbers become
// float64 as they would be in a JSON template.
func ParseTemplate(raw []byte) (Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("bootstrap template: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("bootstrap template: not a YAML document")
	}
	v, err := convert(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("bootstrap template: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("bootstrap template: not a mapping")
	}
	return m, nil
}

// Stack returns the bootstrap stack of one account and region, with qualifier as the
// Qualifier parameter ("" for DefaultQualifier) and every other parameter at its default,
// as a plain `cdk bootstrap aws://<account>/<region>` deploys it. environment is the stage
// the stack is counted in.
func (t Template) Stack(environment, account, region, qualifier string) (*cloudassembly.Stack, error) {
	if qualifier == "" {
		qualifier = DefaultQualifier
	}
	params, _ := t["Parameters"].(map[string]any)
	q, _ := params["Qualifier"].(map[string]any)
	if q == nil {
		return nil, errors.New("bootstrap template: no Qualifier parameter")
	}
	tpl := Template{}
	for k, v := range t {
		tpl[k] = v
	}
	withQualifier := map[string]any{}
	for k, v := range params {
		withQualifier[k] = v
	}
	withQualifier["Qualifier"] = map[string]any{"Type": q["Type"], "Default": qualifier}
	tpl["Parameters"] = withQualifier
	return cloudassembly.NewStack(environment, StackName+"-"+account+"-"+region, account, region, tpl)
}

// QualifierOf returns the qualifier of a bootstrap role ARN
// ("arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-3"), or
// "" when the ARN does not name a bootstrap role.
func QualifierOf(roleArn string) string {
	_, name, ok := strings.Cut(roleArn, ":role/")
	if !ok {
		return ""
	}
	rest, ok := strings.CutPrefix(filepath.Base(name), "cdk-")
	if !ok {
		return ""
	}
	q, _, _ := strings.Cut(rest, "-")
	return q
}

// shortForms maps the YAML short-form tags to the intrinsic they stand for.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub",
	"!Join": "Fn::Join", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!Select": "Fn::Select", "!Split": "Fn::Split",
	"!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64", "!GetAZs": "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue", "!Cidr": "Fn::Cidr",
}

// convert turns a YAML node into JSON values.
func convert(n *yaml.Node) (any, error) {
	if fn, ok := shortForms[n.Tag]; ok {
		return shortForm(fn, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return convertMapping(n)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.AliasNode:
		return convert(n.Alias)
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func convertMapping(n *yaml.Node) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: mapping keys must be strings", k.Line)
		}
		val, err := convert(v)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	return out, nil
}

// shortForm converts a tagged node: "!GetAtt A.B" is {"Fn::GetAtt": ["A", "B"]}, other
// tags wrap their (untagged) value.
func shortForm(fn string, n *yaml.Node) (any, error) {
	if fn == "Fn::GetAtt" && n.Kind == yaml.ScalarNode {
		id, attr, _ := strings.Cut(n.Value, ".")
		return map[string]any{fn: []any{id, attr}}, nil
	}
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str"
	}
	v, err := convert(&plain)
	if err != nil {
		return nil, err
	}
	return map[string]any{fn: v}, nil
}

// scalar decodes a scalar with YAML's own typing, numbers as float64.
func scalar(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	}
	return v, nil
}
