package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

const repo = "garcon-app/garcon-infrastructure"

// fixtureAPI answers from a map of path -> JSON body; a path it does not hold is a 404,
// as for `gh api`; failing paths answer an error other than a 404.
type fixtureAPI struct {
	bodies  map[string]json.RawMessage
	failing map[string]bool
	calls   []string
}

func (f *fixtureAPI) Get(path string) ([]byte, error) {
	f.calls = append(f.calls, path)
	if f.failing[path] {
		return nil, errors.New("HTTP 403: Resource not accessible by integration")
	}
	b, ok := f.bodies[path]
	if !ok {
		return nil, ErrNotFound
	}
	return b, nil
}

// complete is a repository with every setting in place: rulesets on develop, classic
// branch protection on main (both sources are read).
func complete(t *testing.T) *fixtureAPI {
	t.Helper()
	raw, err := os.ReadFile("testdata/complete.json")
	require.NoError(t, err)
	f := &fixtureAPI{failing: map[string]bool{}}
	require.NoError(t, json.Unmarshal(raw, &f.bodies))
	return f
}

func (f *fixtureAPI) set(t *testing.T, path, body string) {
	t.Helper()
	require.True(t, json.Valid([]byte(body)), body)
	f.bodies[path] = json.RawMessage(body)
}

func runChecks(t *testing.T, api API) *Report {
	t.Helper()
	r, err := NewChecker(api, repo, EnvironmentsOf(config.All())).Run()
	require.NoError(t, err)
	return r
}

func TestACompleteRepositoryHasNothingMissing(t *testing.T) {
	r := runChecks(t, complete(t))
	assert.Empty(t, r.Missing)
	joined := strings.Join(r.OK, "\n")
	for _, want := range []string{
		"environment production: 1 required reviewer(s)",
		"environment production: deploys from main only",
		"environment staging: deploys from develop only",
		`branch main (branch protection): requires the check "deployed and verified"`,
		`branch develop (rulesets): requires the check "all green"`,
		"OIDC subject: GitHub's default template",
	} {
		assert.Contains(t, joined, want)
	}
	assert.NotContains(t, joined, `branch develop (rulesets): requires the check "deployed and verified"`,
		"develop deploys a disposable environment: its pull requests come from unverified branches")
}

// Each case breaks one setting of the complete repository and expects exactly the line
// that says so.
func TestEachMissingSettingIsReported(t *testing.T) {
	env := "repos/" + repo + "/environments/"
	cases := []struct {
		name    string
		breakIt func(t *testing.T, f *fixtureAPI)
		want    string
	}{
		{"no production environment", func(_ *testing.T, f *fixtureAPI) { delete(f.bodies, env+"production") },
			"environment production does not exist"},
		{"production without reviewers", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production", `{"protection_rules":[{"type":"branch_policy"}],"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}`)
		}, "environment production: no required reviewers"},
		{"reviewers may approve themselves", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production", `{"protection_rules":[{"type":"required_reviewers","prevent_self_review":false,"reviewers":[{"type":"User"}]}],"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}`)
		}, "environment production: required reviewers may approve their own deployment"},
		{"any branch may deploy production", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production", `{"protection_rules":[{"type":"required_reviewers","prevent_self_review":true,"reviewers":[{"type":"Team"}]}],"deployment_branch_policy":null}`)
		}, "environment production: deployment branches are not limited to main"},
		{"protected branches instead of main", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"staging", `{"protection_rules":[],"deployment_branch_policy":{"protected_branches":true,"custom_branch_policies":false}}`)
		}, "environment staging: deployment branches are not limited to develop"},
		{"a wildcard branch policy", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production/deployment-branch-policies?per_page=100", `{"branch_policies":[{"name":"main","type":"branch"},{"name":"release/*","type":"branch"}]}`)
		}, "environment production: deployment branch policies are [branch:main branch:release/*]; want exactly the branch main"},
		{"a tag policy besides main", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production/deployment-branch-policies?per_page=100", `{"branch_policies":[{"name":"main","type":"branch"},{"name":"v*","type":"tag"}]}`)
		}, "want exactly the branch main"},
		{"no E2E restaurant", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"staging/variables?per_page=100", `{"variables":[{"name":"AWS_ACCOUNT_ID"},{"name":"AWS_DEPLOY_ROLE_ARN"},{"name":"AWS_GAMEDAY_ROLE_ARN"}]}`)
		}, "environment staging: variable E2E_RESTAURANT_ID is not set"},
		{"no diff role variable", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/actions/variables?per_page=100", `{"variables":[{"name":"AWS_REGION"},{"name":"DNS_ZONE_ACCOUNT_ID"},{"name":"AWS_ACCOUNT_ID_STAGING"},{"name":"AWS_ACCOUNT_ID_PRODUCTION"},{"name":"AWS_DIFF_ROLE_ARN_STAGING"},{"name":"AWS_DRIFT_ROLE_ARN_STAGING"},{"name":"AWS_DRIFT_ROLE_ARN_PRODUCTION"}]}`)
		}, "repository variable AWS_DIFF_ROLE_ARN_PRODUCTION is not set"},
		{"no drift role variable", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/actions/variables?per_page=100", `{"variables":[{"name":"AWS_REGION"},{"name":"DNS_ZONE_ACCOUNT_ID"},{"name":"AWS_ACCOUNT_ID_STAGING"},{"name":"AWS_ACCOUNT_ID_PRODUCTION"},{"name":"AWS_DIFF_ROLE_ARN_STAGING"},{"name":"AWS_DIFF_ROLE_ARN_PRODUCTION"},{"name":"AWS_DRIFT_ROLE_ARN_STAGING"}]}`)
		}, "repository variable AWS_DRIFT_ROLE_ARN_PRODUCTION is not set"},
		{"no game-day role variable", func(t *testing.T, f *fixtureAPI) {
			f.set(t, env+"production/variables?per_page=100", `{"variables":[{"name":"AWS_ACCOUNT_ID"},{"name":"AWS_DEPLOY_ROLE_ARN"},{"name":"E2E_RESTAURANT_ID"}]}`)
		}, "environment production: variable AWS_GAMEDAY_ROLE_ARN is not set"},
		{"main unprotected", func(_ *testing.T, f *fixtureAPI) { delete(f.bodies, "repos/"+repo+"/branches/main/protection") },
			"branch main: no ruleset or branch protection applies"},
		{"main without the promotion gate", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/branches/main/protection", `{"required_status_checks":{"strict":true,"contexts":["all green"]},"enforce_admins":{"enabled":true},"required_pull_request_reviews":{"dismiss_stale_reviews":true,"required_approving_review_count":1},"allow_force_pushes":{"enabled":false},"allow_deletions":{"enabled":false}}`)
		}, `branch main (branch protection): the status check "deployed and verified" is not required (required: "all green")`},
		{"admins bypass main", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/branches/main/protection", `{"required_status_checks":{"strict":true,"contexts":["all green","deployed and verified"]},"enforce_admins":{"enabled":false},"required_pull_request_reviews":{"dismiss_stale_reviews":true,"required_approving_review_count":1},"allow_force_pushes":{"enabled":false},"allow_deletions":{"enabled":false}}`)
		}, "branch main (branch protection): administrators bypass it"},
		{"force pushes to main", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/branches/main/protection", `{"required_status_checks":{"strict":true,"contexts":["all green","deployed and verified"]},"enforce_admins":{"enabled":true},"required_pull_request_reviews":{"dismiss_stale_reviews":true,"required_approving_review_count":1},"allow_force_pushes":{"enabled":true},"allow_deletions":{"enabled":false}}`)
		}, "branch main (branch protection): force pushes are allowed"},
		{"develop ruleset without the check", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/rules/branches/develop?per_page=100", `[{"type":"deletion"},{"type":"non_fast_forward"},{"type":"pull_request","parameters":{"required_approving_review_count":1,"dismiss_stale_reviews_on_push":true}},{"type":"required_status_checks","parameters":{"strict_required_status_checks_policy":true,"required_status_checks":[{"context":"lint"}]}}]`)
		}, `branch develop (rulesets): the status check "all green" is not required (required: "lint")`},
		{"develop ruleset without approvals", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/rules/branches/develop?per_page=100", `[{"type":"deletion"},{"type":"non_fast_forward"},{"type":"pull_request","parameters":{"required_approving_review_count":0,"dismiss_stale_reviews_on_push":true}},{"type":"required_status_checks","parameters":{"strict_required_status_checks_policy":true,"required_status_checks":[{"context":"all green"}]}}]`)
		}, "branch develop (rulesets): merging does not require a pull request with at least one approval"},
		{"customised OIDC subject", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/actions/oidc/customization/sub", `{"use_default":false,"include_claim_keys":["repo","context","job_workflow_ref"]}`)
		}, "OIDC subject is customised to [repo context job_workflow_ref]: the roles' trust policies expect the default subject; reset it: gh api -X PUT repos/garcon-app/garcon-infrastructure/actions/oidc/customization/sub -F use_default=true"},
		{"the organization's custom subject", func(t *testing.T, f *fixtureAPI) {
			f.set(t, "repos/"+repo+"/actions/oidc/customization/sub", `{"use_default":false}`)
			f.set(t, "orgs/garcon-app/actions/oidc/customization/sub", `{"include_claim_keys":["repository_owner"]}`)
		}, "OIDC subject follows the organization's template [repository_owner]"},
		{"no acknowledgement label", func(_ *testing.T, f *fixtureAPI) {
			delete(f.bodies, "repos/"+repo+"/labels/stateful-change-acknowledged")
		}, "label stateful-change-acknowledged does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := complete(t)
			c.breakIt(t, f)
			r := runChecks(t, f)
			require.Len(t, r.Missing, 1, "exactly one problem: %v", r.Missing)
			assert.Contains(t, r.Missing[0], c.want)
		})
	}
}

func TestAnOrganizationTemplateEqualToTheDefaultIsFine(t *testing.T) {
	f := complete(t)
	f.set(t, "repos/"+repo+"/actions/oidc/customization/sub", `{"use_default":false}`)
	f.set(t, "orgs/garcon-app/actions/oidc/customization/sub", `{"include_claim_keys":["repo","context"]}`)
	assert.Empty(t, runChecks(t, f).Missing)
}

func TestAnAPIErrorOtherThanNotFoundStopsTheCheck(t *testing.T) {
	f := complete(t)
	f.failing["repos/"+repo+"/environments/production"] = true
	_, err := NewChecker(f, repo, EnvironmentsOf(config.All())).Run()
	require.ErrorContains(t, err, "gh api repos/garcon-app/garcon-infrastructure/environments/production: HTTP 403")
}

func TestExitStatusAndOutput(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, run(nil, complete(t), &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "every setting the pipeline needs is in place in garcon-app/garcon-infrastructure")

	f := complete(t)
	delete(f.bodies, "repos/"+repo+"/environments/staging")
	out.Reset()
	assert.Equal(t, 1, run(nil, f, &out, &errOut))
	assert.Contains(t, out.String(), "MISSING  environment staging does not exist")
	assert.Contains(t, out.String(), "1 setting(s) of garcon-app/garcon-infrastructure missing")

	f.failing["repos/"+repo+"/actions/variables?per_page=100"] = true
	assert.Equal(t, 2, run(nil, f, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-repo", "nope"}, f, &out, &errOut))
}
