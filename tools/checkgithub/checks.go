package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/config"
)

// Required status checks: "all green" is ci.yml's last job; "deployed and verified" is
// the job after the deploys of a push, green only when every environment the push
// deployed passed its E2E suite. A protected environment's branch requires both, so a
// pull request into it must come from a commit that a disposable environment verified.
const (
	CheckAllGreen = "all green"
	CheckVerified = "deployed and verified"
)

// Labels the workflows read.
var requiredLabels = []string{"stateful-change-acknowledged"}

// ErrNotFound is what an API returns for an HTTP 404.
var ErrNotFound = errors.New("not found")

// API reads one GitHub REST path (as `gh api <path>` does) and returns the JSON body.
type API interface {
	Get(path string) ([]byte, error)
}

// Environment is what the checks need to know about one configured environment.
type Environment struct {
	// Name is the environment's name, also its GitHub environment's.
	Name string
	// Branch is the branch that deploys it.
	Branch string
	// ApprovalRequired is true for protected environments: required reviewers.
	ApprovalRequired bool
}

// EnvironmentsOf turns the configuration into what the checks need.
func EnvironmentsOf(envs []config.Environment) []Environment {
	out := make([]Environment, 0, len(envs))
	for _, e := range envs {
		out = append(out, Environment{Name: e.Name, Branch: e.GitHub.Branch, ApprovalRequired: e.IsProtected()})
	}
	return out
}

// Report collects what is in place and what is missing.
type Report struct {
	// OK are the settings found as the pipeline needs them.
	OK []string
	// Missing are the settings absent or different, each saying what to set.
	Missing []string
}

func (r *Report) check(ok bool, good, bad string) {
	if ok {
		r.OK = append(r.OK, good)
	} else {
		r.Missing = append(r.Missing, bad)
	}
}

// Checker verifies one repository's settings.
type Checker struct {
	api  API
	repo string
	envs []Environment
}

// NewChecker returns a Checker of repo ("owner/name") for envs.
func NewChecker(api API, repo string, envs []Environment) *Checker {
	return &Checker{api: api, repo: repo, envs: envs}
}

// Run performs every check. Only an API failure other than a 404 is an error: a missing
// setting is a line of the report.
func (c *Checker) Run() (*Report, error) {
	r := &Report{}
	steps := []func(*Report) error{c.checkRepositoryVariables, c.checkOIDCSubject, c.checkLabels}
	for _, env := range c.envs {
		steps = append(steps, func(r *Report) error { return c.checkEnvironment(r, env) })
	}
	for _, branch := range c.deployBranches() {
		steps = append(steps, func(r *Report) error { return c.checkBranch(r, branch) })
	}
	for _, step := range steps {
		if err := step(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// get decodes path into v; found is false on a 404.
func (c *Checker) get(path string, v any) (found bool, err error) {
	body, err := c.api.Get(path)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("gh api %s: %w", path, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, fmt.Errorf("gh api %s: unexpected JSON: %w", path, err)
	}
	return true, nil
}

type variableList struct {
	Variables []struct {
		Name string `json:"name"`
	} `json:"variables"`
}

func (v variableList) names() map[string]bool {
	out := map[string]bool{}
	for _, x := range v.Variables {
		out[x.Name] = true
	}
	return out
}

// accountVariable is scripts/account-context.sh's variable of an environment's account.
func accountVariable(name string) string {
	return "AWS_ACCOUNT_ID_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func (c *Checker) checkRepositoryVariables(r *Report) error {
	var vars variableList
	if _, err := c.get("repos/"+c.repo+"/actions/variables?per_page=100", &vars); err != nil {
		return err
	}
	want := []string{"AWS_REGION", "DNS_ZONE_ACCOUNT_ID"}
	for _, e := range c.envs {
		suffix := strings.ToUpper(strings.ReplaceAll(e.Name, "-", "_"))
		want = append(want, accountVariable(e.Name), "AWS_DIFF_ROLE_ARN_"+suffix, "AWS_DRIFT_ROLE_ARN_"+suffix)
	}
	have := vars.names()
	for _, name := range want {
		r.check(have[name], "repository variable "+name, "repository variable "+name+" is not set (docs/ci-cd.md, \"Repository variables\")")
	}
	return nil
}

type oidcSubject struct {
	UseDefault       bool     `json:"use_default"`
	IncludeClaimKeys []string `json:"include_claim_keys"`
}

// defaultSubject reports whether keys give GitHub's default subject: the trust policies
// match repo:<repo>:environment:<env> and repo:<repo>:pull_request exactly.
func defaultSubject(keys []string) bool {
	return len(keys) == 0 || slices.Equal(keys, []string{"repo", "context"})
}

func (c *Checker) checkOIDCSubject(r *Report) error {
	var sub oidcSubject
	found, err := c.get("repos/"+c.repo+"/actions/oidc/customization/sub", &sub)
	if err != nil {
		return err
	}
	fix := fmt.Sprintf("gh api -X PUT repos/%s/actions/oidc/customization/sub -F use_default=true", c.repo)
	switch {
	case !found || sub.UseDefault:
		r.OK = append(r.OK, "OIDC subject: GitHub's default template (repo:<repo>:environment:<env>), which the deploy and diff roles' trust policies match")
		return nil
	case len(sub.IncludeClaimKeys) > 0:
		r.check(defaultSubject(sub.IncludeClaimKeys), "OIDC subject: custom template equal to the default (repo, context)",
			fmt.Sprintf("OIDC subject is customised to %v: the roles' trust policies expect the default subject; reset it: %s", sub.IncludeClaimKeys, fix))
		return nil
	}
	// use_default false without keys: the organization's template applies.
	owner, _, _ := strings.Cut(c.repo, "/")
	var org oidcSubject
	found, err = c.get("orgs/"+owner+"/actions/oidc/customization/sub", &org)
	if err != nil {
		return err
	}
	r.check(!found || defaultSubject(org.IncludeClaimKeys), "OIDC subject: the organization's template, equal to the default",
		fmt.Sprintf("OIDC subject follows the organization's template %v: the roles' trust policies expect the default subject; opt the repository out: %s", org.IncludeClaimKeys, fix))
	return nil
}

func (c *Checker) checkLabels(r *Report) error {
	for _, label := range requiredLabels {
		var v struct {
			Name string `json:"name"`
		}
		found, err := c.get("repos/"+c.repo+"/labels/"+label, &v)
		if err != nil {
			return err
		}
		r.check(found, "label "+label, "label "+label+" does not exist (the stateful guard reads it; docs/ci-cd.md, \"Labels\")")
	}
	return nil
}

type environmentSettings struct {
	ProtectionRules []struct {
		Type              string `json:"type"`
		PreventSelfReview bool   `json:"prevent_self_review"`
		Reviewers         []any  `json:"reviewers"`
	} `json:"protection_rules"`
	DeploymentBranchPolicy *struct {
		ProtectedBranches    bool `json:"protected_branches"`
		CustomBranchPolicies bool `json:"custom_branch_policies"`
	} `json:"deployment_branch_policy"`
}

type branchPolicies struct {
	BranchPolicies []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"branch_policies"`
}

func (c *Checker) checkEnvironment(r *Report, env Environment) error {
	base := "repos/" + c.repo + "/environments/" + env.Name
	var settings environmentSettings
	found, err := c.get(base, &settings)
	if err != nil {
		return err
	}
	if !found {
		r.Missing = append(r.Missing, fmt.Sprintf("environment %s does not exist (Settings -> Environments)", env.Name))
		return nil
	}
	if env.ApprovalRequired {
		c.checkReviewers(r, env, settings)
	}
	if err := c.checkDeploymentBranch(r, env, settings); err != nil {
		return err
	}
	var vars variableList
	if _, err := c.get(base+"/variables?per_page=100", &vars); err != nil {
		return err
	}
	have := vars.names()
	for _, name := range []string{"AWS_ACCOUNT_ID", "AWS_DEPLOY_ROLE_ARN", "E2E_RESTAURANT_ID", "AWS_GAMEDAY_ROLE_ARN"} {
		r.check(have[name], fmt.Sprintf("environment %s: variable %s", env.Name, name),
			fmt.Sprintf("environment %s: variable %s is not set", env.Name, name))
	}
	return nil
}

func (c *Checker) checkReviewers(r *Report, env Environment, s environmentSettings) {
	for _, rule := range s.ProtectionRules {
		if rule.Type != "required_reviewers" || len(rule.Reviewers) == 0 {
			continue
		}
		r.OK = append(r.OK, fmt.Sprintf("environment %s: %d required reviewer(s)", env.Name, len(rule.Reviewers)))
		r.check(rule.PreventSelfReview, fmt.Sprintf("environment %s: self-review prevented", env.Name),
			fmt.Sprintf("environment %s: required reviewers may approve their own deployment (enable \"Prevent self-review\")", env.Name))
		return
	}
	r.Missing = append(r.Missing, fmt.Sprintf("environment %s: no required reviewers, so a deploy needs no approval (it is protected: add the platform team)", env.Name))
}

func (c *Checker) checkDeploymentBranch(r *Report, env Environment, s environmentSettings) error {
	p := s.DeploymentBranchPolicy
	if p == nil || !p.CustomBranchPolicies || p.ProtectedBranches {
		r.Missing = append(r.Missing, fmt.Sprintf("environment %s: deployment branches are not limited to %s (choose \"Selected branches\" and add exactly %s)", env.Name, env.Branch, env.Branch))
		return nil
	}
	var policies branchPolicies
	if _, err := c.get("repos/"+c.repo+"/environments/"+env.Name+"/deployment-branch-policies?per_page=100", &policies); err != nil {
		return err
	}
	var names []string
	for _, b := range policies.BranchPolicies {
		if b.Type == "" || b.Type == "branch" {
			names = append(names, b.Name)
		}
	}
	sort.Strings(names)
	r.check(slices.Equal(names, []string{env.Branch}) && len(policies.BranchPolicies) == 1,
		fmt.Sprintf("environment %s: deploys from %s only", env.Name, env.Branch),
		fmt.Sprintf("environment %s: deployment branch policies are %v; want exactly the branch %s", env.Name, policyNames(policies), env.Branch))
	return nil
}

func policyNames(p branchPolicies) []string {
	out := []string{}
	for _, b := range p.BranchPolicies {
		out = append(out, b.Type+":"+b.Name)
	}
	return out
}

// deployBranches are the branches that deploy an environment, each once.
func (c *Checker) deployBranches() []string {
	var out []string
	for _, e := range c.envs {
		if !slices.Contains(out, e.Branch) {
			out = append(out, e.Branch)
		}
	}
	return out
}

// requiredChecks are the status checks a branch's protection must require.
func (c *Checker) requiredChecks(branch string) []string {
	want := []string{CheckAllGreen}
	for _, e := range c.envs {
		if e.Branch == branch && e.ApprovalRequired {
			want = append(want, CheckVerified)
			break
		}
	}
	return want
}
