package cloudassembly

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Parameter is one entry of a template's Parameters section.
type Parameter struct {
	// Type is the parameter's type: "String", "CommaDelimitedList", "Number" ...
	Type string `json:"Type"`
	// Default is the parameter's default value (nil when it has none).
	Default any `json:"Default"`
}

// template is the part of a CloudFormation template the tools read.
type template struct {
	Parameters map[string]Parameter `json:"Parameters"`
	Mappings   map[string]any       `json:"Mappings"`
	Conditions map[string]any       `json:"Conditions"`
	Resources  map[string]Resource  `json:"Resources"`
	Outputs    map[string]Output    `json:"Outputs"`
}

// setTemplate decodes the JSON template raw into the stack's sections.
func (s *Stack) setTemplate(raw []byte) error {
	var tpl template
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return fmt.Errorf("not a CloudFormation template: %w", err)
	}
	if tpl.Resources == nil {
		return errors.New("not a CloudFormation template: it has no Resources")
	}
	s.Resources, s.Outputs = tpl.Resources, tpl.Outputs
	s.Parameters, s.Mappings, s.Conditions = tpl.Parameters, tpl.Mappings, tpl.Conditions
	return nil
}

// NewStack returns a stack that is not part of a cloud assembly (for example the CDK
// bootstrap stack, whose template ships with the CLI) from its decoded template: the
// same JSON values Load reads from a template file. environment is the stage the stack
// is counted in; stackName, account and region are what CloudFormation would deploy it
// as, and what Eval resolves AWS::StackName, AWS::AccountId and AWS::Region to.
func NewStack(environment, stackName, account, region string, tpl map[string]any) (*Stack, error) {
	raw, err := json.Marshal(tpl)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stackName, err)
	}
	st := &Stack{
		Name: environment + "/" + stackName, ArtifactID: stackName, Environment: environment,
		StackName: stackName, Account: account, Region: region,
	}
	if err := st.setTemplate(raw); err != nil {
		return nil, fmt.Errorf("stack %s: %w", stackName, err)
	}
	return st, nil
}
