package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/bootstrap"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// Kind says what a principal is.
type Kind string

// The kinds of principals.
const (
	// KindRole is an IAM role of the assembly or of a CDK bootstrap stack.
	KindRole Kind = "role"
	// KindService is an AWS service principal ("cloudwatch.amazonaws.com").
	KindService Kind = "service"
	// KindExternal is a principal the templates do not define (another account's
	// administrator, the Elastic Load Balancing account), modelled from AWS documentation.
	KindExternal Kind = "external"
)

// Principal is who makes a request.
type Principal struct {
	// Name is how reports show it: a role's construct path below its environment
	// ("Service/Api/Task/ExecutionRole"), a bootstrap role's name, a service principal.
	Name string
	// ARN is the request's principal: a role ARN, an account root or a service name.
	ARN string
	// Account is the principal's account ("" for a service principal).
	Account string
	// Env is the environment (stage) of a template or bootstrap role.
	Env  string
	Kind Kind
	// Identity are the principal's identity policies.
	Identity []iamsim.Policy
	// Trust is a role's trust policy (its resource policy for sts:AssumeRole).
	Trust any
	// RoleName is a role's name (policies attach to roles by name).
	RoleName string
	// Err says why the principal could not be modelled (a policy that does not evaluate,
	// an unknown customer managed policy); every flow that uses it fails with it.
	Err error
}

// Resource is something a request is made on.
type Resource struct {
	// Name is how reports show it: the construct path below the environment
	// ("Data/Secrets/JwtSigningKey"), or "<bootstrap stack>/<logical id>".
	Name string
	// Type is the CloudFormation type.
	Type string
	// ARN is the resource's ARN (a fake but well-formed one, see cloudassembly.Evaluator).
	ARN string
	// Account and Region are the resource's stack's.
	Account, Region string
	// Env is the environment (stage) of the stack.
	Env string
	// Policy is the resource's policy (key policy, bucket policy, trust policy ...).
	Policy any
	// Stack and LogicalID locate the resource's template entry.
	Stack     *cloudassembly.Stack
	LogicalID string
	// Bootstrap is true for resources of a CDK bootstrap stack.
	Bootstrap bool
	// Err says why the resource could not be modelled.
	Err error
}

// Model is every principal and resource of an assembly, with the CDK bootstrap stacks its
// manifests deploy with.
type Model struct {
	// Assembly is the assembly the model was built from.
	Assembly *cloudassembly.Assembly
	// Roles are the IAM roles of the templates and of the bootstrap stacks, by name.
	Roles []*Principal
	// Resources are the modelled resources, by environment and name.
	Resources []*Resource
	// Stacks are the assembly's stacks followed by the bootstrap stacks.
	Stacks []*cloudassembly.Stack

	eval      *cloudassembly.Evaluator
	roleByArn map[string]*Principal
	resByArn  map[string]*Resource
	byStack   map[*cloudassembly.Stack]map[string]*Resource
}

// NewModel builds the model of assembly a, reading the bootstrap template at
// bootstrapTemplate (bootstrap.TemplatePath of the repository).
func NewModel(a *cloudassembly.Assembly, bootstrapTemplate string) (*Model, error) {
	m := &Model{Assembly: a, roleByArn: map[string]*Principal{}, resByArn: map[string]*Resource{},
		byStack: map[*cloudassembly.Stack]map[string]*Resource{}}
	boot, err := bootstrapStacks(a, bootstrapTemplate)
	if err != nil {
		return nil, err
	}
	m.Stacks = append(append(m.Stacks, a.Stacks...), boot...)
	m.eval = cloudassembly.NewEvaluator(m.Stacks...)
	for _, st := range m.Stacks {
		if err := m.addStack(st); err != nil {
			return nil, err
		}
	}
	m.attachPolicies()
	m.attachIdentity()
	for _, p := range m.Roles {
		if r := m.resByArn[p.ARN]; r != nil {
			p.Trust = r.Policy
		}
	}
	if err := m.checkBootstrapRoles(); err != nil {
		return nil, err
	}
	sort.Slice(m.Roles, func(i, j int) bool { return m.Roles[i].Env+m.Roles[i].Name < m.Roles[j].Env+m.Roles[j].Name })
	sort.Slice(m.Resources, func(i, j int) bool {
		return m.Resources[i].Env+"/"+m.Resources[i].Name < m.Resources[j].Env+"/"+m.Resources[j].Name
	})
	return m, nil
}

// bootstrapStacks returns one bootstrap stack per account, region and qualifier that the
// stacks' manifests name roles of, built from the CLI's template.
func bootstrapStacks(a *cloudassembly.Assembly, templatePath string) ([]*cloudassembly.Stack, error) {
	type key struct{ env, account, region, qualifier string }
	seen := map[key]bool{}
	var keys []key
	for _, st := range a.Stacks {
		for _, arn := range st.Roles.All() {
			k := key{st.Environment, arnAccount(arn), bootstrapRegion(arn), bootstrap.QualifierOf(arn)}
			if k.qualifier == "" || k.region == "" {
				return nil, fmt.Errorf("stack %s: %s is not a CDK bootstrap role ARN", st.Name, arn)
			}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	tpl, err := bootstrap.ReadTemplate(templatePath)
	if err != nil {
		return nil, err
	}
	out := make([]*cloudassembly.Stack, 0, len(keys))
	for _, k := range keys {
		st, err := tpl.Stack(k.env, k.account, k.region, k.qualifier)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// bootstrapRegion reads the region of "…:role/cdk-<q>-<kind>-role-<account>-<region>".
func bootstrapRegion(arn string) string {
	_, name, _ := strings.Cut(arn, ":role/")
	_, region, ok := strings.Cut(name, "-"+arnAccount(arn)+"-")
	if !ok {
		return ""
	}
	return region
}

// arnAccount returns the account field of an ARN ("" when it has none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// checkBootstrapRoles fails when a manifest names a bootstrap role the template does not
// create: the CLI would fail to assume it, and the model would miss it.
func (m *Model) checkBootstrapRoles() error {
	for _, st := range m.Assembly.Stacks {
		for _, arn := range st.Roles.All() {
			if m.roleByArn[arn] == nil {
				return fmt.Errorf("stack %s deploys with %s, which the bootstrap template does not create", st.Name, arn)
			}
		}
	}
	return nil
}

// addStack adds the stack's roles and resources that exist (their condition holds).
func (m *Model) addStack(st *cloudassembly.Stack) error {
	m.byStack[st] = map[string]*Resource{}
	for _, id := range st.LogicalIDs() {
		ok, err := m.eval.Exists(st, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		r := m.newResource(st, id)
		m.byStack[st][id] = r
		if _, modelled := resourceARNs[r.Type]; modelled {
			m.Resources = append(m.Resources, r)
			if r.ARN != "" {
				m.resByArn[r.ARN] = r
			}
		}
		if r.Type == "AWS::IAM::Role" {
			p := m.newRole(r)
			m.Roles = append(m.Roles, p)
			m.roleByArn[p.ARN] = p
		}
	}
	return nil
}

// isBootstrap reports whether st is a bootstrap stack of the model.
func isBootstrap(st *cloudassembly.Stack) bool {
	return strings.HasPrefix(st.StackName, bootstrap.StackName+"-")
}

// displayName is a resource's name in reports: its construct path below the environment
// without the trailing "/Resource", or "<stack>/<logical id>" when it has no path.
func displayName(st *cloudassembly.Stack, id string) string {
	path := st.Resources[id].Path()
	if path == "" || isBootstrap(st) {
		return st.StackName + "/" + id
	}
	path = strings.TrimPrefix(path, st.Environment+"/")
	return strings.TrimSuffix(path, "/Resource")
}
