package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// Outcome is what a row expects or got.
type Outcome string

// The outcomes.
const (
	Allowed Outcome = "allowed"
	Denied  Outcome = "denied"
	// Invalid is the outcome of a row that could not be evaluated: a selector that found
	// nothing, a value that does not evaluate, a simulation the evaluator rejected.
	Invalid Outcome = "invalid"
)

// Scope says which environments a flow applies to.
type Scope string

// The scopes.
const (
	// Application environments are config.All(): Staging, Production ...
	Application Scope = "application"
	// DNSZone is the stage of the parent hosted zone's account (config.DNSZoneStageName).
	DNSZone Scope = "dns-zone"
)

// Flow is one line of the access matrix: who does what to which resource, and whether
// AWS must allow it. Who, What and How find their principals and resources in the
// templates by construct path or by relation, so a row follows the code; a selector that
// finds nothing fails the row instead of letting it pass without a request.
type Flow struct {
	// Name says what the row asserts, e.g. "the execution role reads each injected secret".
	Name string
	// Why says in one line why it matters.
	Why string
	// Expect is Allowed or Denied.
	Expect Outcome
	// Who makes the requests (per resource: a service principal may depend on its region).
	Who Who
	// What the requests are made on: one row per resource.
	What What
	// How builds the requests; the flow is allowed only if all of them are.
	How How
	// Chain also evaluates every role the principal can reach with sts:AssumeRole (its
	// identity policy allows it and the role's trust policy admits it, up to maxChain
	// hops): a denied flow must be denied for all of them, an allowed one may be allowed
	// through one. Without Chain only the principal itself is evaluated.
	Chain bool
	// Scope selects the environments (default Application).
	Scope Scope
	// Optional marks a flow about a feature config turns on per environment (ECS Exec,
	// an experiment on Redis replicas): an environment where What finds nothing has no
	// row of it instead of an error row. The package's tests require its rows where the
	// feature is on.
	Optional bool
}

// Who selects the principals of a flow.
type Who struct {
	Desc string
	Of   func(v *View, r *Resource) ([]*Principal, error)
}

// What selects the resources of a flow.
type What struct {
	Desc string
	Of   func(v *View) ([]*Resource, error)
}

// How builds the requests a principal makes on a resource.
type How struct {
	Desc string
	Of   func(v *View, p *Principal, r *Resource) ([]Request, error)
}

// View is the model seen from one environment.
type View struct {
	*Model
	// Env is the environment (stage).
	Env string
	// Account is the environment's account: the account of most of its stacks.
	Account string
}

// Request is one API call of a flow.
type Request struct {
	// Action is "service:Action".
	Action string
	// On is the resource (nil for a resource the templates do not hold).
	On *Resource
	// ARN is the resource ARN of the request (a bucket's object, a log stream ...).
	ARN string
	// Account owns the resource.
	Account string
	// Policy is the resource's policy.
	Policy any
	// Context adds to or overrides the request's default context; a nil value removes
	// a default key.
	Context map[string]any
}

// Label names the request in reports: "kms:Decrypt on Data/Key".
func (q Request) Label() string {
	if q.On != nil {
		return q.Action + " on " + q.On.Name
	}
	return q.Action + " on " + q.ARN
}

// simulation is the request made by p.
func (q Request) simulation(p *Principal) iamsim.Simulation {
	return iamsim.Simulation{
		Principal: p.ARN, Action: q.Action, Resource: q.ARN, ResourceAccount: q.Account,
		Context: q.context(p), IdentityPolicies: p.Identity, ResourcePolicy: q.Policy,
	}
}

// context is the request context AWS would set for p, with the request's own keys.
func (q Request) context(p *Principal) map[string]any {
	c := map[string]any{"aws:SecureTransport": "true"}
	if q.Account != "" {
		c["aws:ResourceAccount"] = q.Account
		if strings.HasPrefix(q.Action, "s3:") {
			c["s3:ResourceAccount"] = q.Account
		}
	}
	if p.Kind == KindService {
		c["aws:PrincipalIsAWSService"] = "true"
		c["aws:PrincipalServiceName"] = p.ARN
	} else {
		c["aws:PrincipalIsAWSService"] = "false"
		c["aws:PrincipalArn"] = p.ARN
		c["aws:PrincipalAccount"] = p.Account
		if strings.HasPrefix(q.Action, "kms:") {
			c["kms:CallerAccount"] = p.Account
		}
	}
	for k, v := range q.Context {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// Row is one flow for one principal and one resource, with its verdict once evaluated.
type Row struct {
	Env       string
	Flow      *Flow
	Principal *Principal
	Resource  *Resource
	Requests  []Request
	// Err says why the row could not be evaluated.
	Err error

	// Actual is the evaluated outcome.
	Actual Outcome
	// Via is the chain of roles that allowed it, from the principal (nil: the principal).
	Via []*Principal
	// Detail explains the verdict: the request that was denied and why, or the
	// statements that allowed it.
	Detail string
}

// Met reports whether the row got what it expects.
func (r *Row) Met() bool { return r.Err == nil && r.Actual == r.Flow.Expect }

// Key identifies the row across two assemblies.
func (r *Row) Key() string {
	return r.Env + "\x00" + r.Flow.Name + "\x00" + r.principalName() + "\x00" + r.resourceName()
}

func (r *Row) principalName() string {
	if r.Principal == nil {
		return r.Flow.Who.Desc
	}
	return r.Principal.Name
}

func (r *Row) resourceName() string {
	if r.Resource == nil {
		return r.Flow.What.Desc
	}
	return r.Resource.Name
}

// expand turns a flow into the rows of one environment.
func (f *Flow) expand(v *View) []*Row {
	resources, err := f.What.Of(v)
	if err == nil && len(resources) == 0 && f.Optional {
		return nil
	}
	if err == nil && len(resources) == 0 {
		err = fmt.Errorf("found no %s", f.What.Desc)
	}
	if err != nil {
		return []*Row{{Env: v.Env, Flow: f, Err: err}}
	}
	var rows []*Row
	for _, res := range resources {
		rows = append(rows, f.expandResource(v, res)...)
	}
	return rows
}

func (f *Flow) expandResource(v *View, res *Resource) []*Row {
	principals, err := f.Who.Of(v, res)
	if err == nil && len(principals) == 0 {
		err = fmt.Errorf("found no %s for %s", f.Who.Desc, res.Name)
	}
	if err != nil {
		return []*Row{{Env: v.Env, Flow: f, Resource: res, Err: err}}
	}
	rows := make([]*Row, 0, len(principals))
	for _, p := range principals {
		row := &Row{Env: v.Env, Flow: f, Principal: p, Resource: res}
		row.Err = errors.Join(p.Err, res.Err)
		if row.Err == nil {
			row.Requests, row.Err = f.How.Of(v, p, res)
		}
		if row.Err == nil && len(row.Requests) == 0 {
			row.Err = fmt.Errorf("%s made no request", f.How.Desc)
		}
		rows = append(rows, row)
	}
	return rows
}
