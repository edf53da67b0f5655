package stacks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/cicd"
	"github.com/garcon/infrastructure/stacks"
)

// role returns the properties of the CICD stack's role whose logical id starts with prefix.
func role(t *testing.T, env *stacks.Environment, prefix string) map[string]any {
	t.Helper()
	for id, raw := range *templateOf(env.CICD.Stack).FindResources(jsii.String("AWS::IAM::Role"), nil) {
		if strings.HasPrefix(id, prefix) {
			return (*raw)["Properties"].(map[string]any)
		}
	}
	t.Fatalf("no role %s*", prefix)
	return nil
}

func trustCondition(t *testing.T, env *stacks.Environment, props map[string]any) map[string]any {
	t.Helper()
	providers := *templateOf(env.CICD.Stack).FindResources(jsii.String("AWS::IAM::OIDCProvider"), nil)
	statements := props["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	require.Len(t, statements, 1)
	st := statements[0].(map[string]any)
	assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st["Action"])
	federated := st["Principal"].(map[string]any)["Federated"]
	if len(providers) == 1 {
		for id := range providers {
			assert.Equal(t, map[string]any{"Ref": id}, federated, "federated by this account's GitHub provider")
		}
	} else {
		raw, _ := json.Marshal(federated)
		assert.Contains(t, string(raw), ":iam::"+env.Config.Account+":oidc-provider/token.actions.githubusercontent.com",
			"federated by the provider another environment of the account created")
	}
	require.Len(t, st["Condition"], 1, "StringEquals only: no StringLike that could take a wildcard")
	return st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
}

func TestGitHubOIDCProvider(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.CICD.Stack)
		if len(resourcesOf(env.CICD.Stack, "AWS::IAM::OIDCProvider")) == 0 {
			return // the account's provider is another environment's (TestAnAccountHasOneGitHubProvider)
		}
		tpl.HasResourceProperties(jsii.String("AWS::IAM::OIDCProvider"), map[string]any{
			"Url": "https://token.actions.githubusercontent.com", "ClientIdList": []any{"sts.amazonaws.com"},
		})
	})
}

// The deploy role trusts one environment of one repository, and only jobs of the
// environment's deploy branch running the reusable deploy workflow: without the ref and
// job_workflow_ref conditions, any branch's workflow naming the environment could assume
// it whenever the environment's deployment-branch rule is missing (make check-github).
func TestDeployRoleTrustsOnlyThisRepositoryEnvironmentBranchAndWorkflow(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		cond := trustCondition(t, env, role(t, env, "GitHubDeployRole"))
		repo, branch := env.Config.GitHub.Repository, env.Config.GitHub.Branch
		assert.Equal(t, map[string]any{
			"token.actions.githubusercontent.com:aud":              "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub":              fmt.Sprintf("repo:%s:environment:%s", repo, env.Config.Name),
			"token.actions.githubusercontent.com:ref":              "refs/heads/" + branch,
			"token.actions.githubusercontent.com:job_workflow_ref": repo + "/.github/workflows/deploy.yml@refs/heads/" + branch,
		}, cond)
	})
}

// Production, spelled out: the environment, main, and the deploy workflow of main.
func TestProductionDeployRoleRequiresMainAndTheDeployWorkflow(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		if env.Config.Name != "production" {
			return
		}
		cond := trustCondition(t, env, role(t, env, "GitHubDeployRole"))
		assert.Equal(t, "repo:garcon-app/garcon-infrastructure:environment:production", cond["token.actions.githubusercontent.com:sub"])
		assert.Equal(t, "refs/heads/main", cond["token.actions.githubusercontent.com:ref"])
		assert.Equal(t, "garcon-app/garcon-infrastructure/.github/workflows/deploy.yml@refs/heads/main",
			cond["token.actions.githubusercontent.com:job_workflow_ref"])
	})
}

// The workflow the trust names is the one that deploys: a renamed deploy.yml or a deploy
// job outside it would be refused by STS at the first deploy, not by a test.
func TestTheTrustedDeployWorkflowIsTheOneThatAssumesTheDeployRole(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", cicd.DefaultDeployWorkflow))
	require.NoError(t, err)
	workflow := string(raw)
	assert.Contains(t, workflow, "workflow_call:", "deploy.yml is a reusable workflow: job_workflow_ref names it")
	assert.Contains(t, workflow, "role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}")
	others, err := filepath.Glob(filepath.Join("..", ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	for _, path := range others {
		if filepath.Base(path) == filepath.Base(cicd.DefaultDeployWorkflow) {
			continue
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "vars.AWS_DEPLOY_ROLE_ARN", "%s assumes the deploy role, which trusts deploy.yml only", path)
	}
}

func TestDiffRoleTrustsOnlyPullRequestsOfThisRepository(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		cond := trustCondition(t, env, role(t, env, "GitHubDiffRole"))
		assert.Equal(t, "repo:"+env.Config.GitHub.Repository+":pull_request", cond["token.actions.githubusercontent.com:sub"])
	})
}

// policyOf returns the statements of the default policy of a role of the CICD stack.
func policyOf(t *testing.T, env *stacks.Environment, rolePrefix string) []map[string]any {
	t.Helper()
	for id, raw := range *templateOf(env.CICD.Stack).FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		if strings.HasPrefix(id, rolePrefix) {
			var out []map[string]any
			for _, s := range (*raw)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				out = append(out, s.(map[string]any))
			}
			return out
		}
	}
	t.Fatalf("no policy %s*", rolePrefix)
	return nil
}

func TestDeployRoleMayOnlyAssumeCdkBootstrapRoles(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		statements := policyOf(t, env, "GitHubDeployRole")
		require.Len(t, statements, 1)
		assert.Equal(t, []any{"sts:AssumeRole", "sts:TagSession"}, statements[0]["Action"])
		resources := statements[0]["Resources"]
		if resources == nil {
			resources = statements[0]["Resource"]
		}
		raw, _ := json.Marshal(resources)
		for _, region := range []string{env.Config.Region, env.Config.DRRegion, "us-east-1"} {
			for _, kind := range []string{"deploy", "file-publishing", "image-publishing", "lookup"} {
				assert.Contains(t, string(raw), fmt.Sprintf(":role/cdk-hnb659fds-%s-role-%s-%s", kind, env.Config.Account, region))
			}
		}
		assert.Equal(t, 12, strings.Count(string(raw), ":role/cdk-hnb659fds-"), "bootstrap roles of three regions and nothing else")
		assert.NotContains(t, string(raw), "*")
	})
}

func TestDiffRoleReadsOnlyThisEnvironmentsTemplates(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		var actions []string
		for _, st := range policyOf(t, env, "GitHubDiffRole") {
			for _, a := range st["Action"].([]any) {
				actions = append(actions, a.(string))
			}
			raw, _ := json.Marshal(st["Resource"])
			assert.Contains(t, string(raw), ":stack/"+env.Config.StageName+"-*/*", "only this environment's stacks")
		}
		assert.ElementsMatch(t, []string{"cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"}, actions)
	})
}

// No IAM user, access key or other long-lived credential anywhere in the app.
func TestNoLongLivedCredentialsAnywhere(t *testing.T) {
	for _, stack := range allStacks() {
		tpl := templateOf(stack)
		for _, typ := range []string{"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::IAM::UserToGroupAddition"} {
			tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
		}
	}
}

func TestCICDStackOutputsTheRoleArns(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.CICD.Stack)
		tpl.HasOutput(jsii.String("DeployRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^GitHubDeployRole"), "Arn"}}})
		tpl.HasOutput(jsii.String("DiffRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^GitHubDiffRole"), "Arn"}}})
	})
}
