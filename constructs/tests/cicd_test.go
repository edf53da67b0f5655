package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/cicd"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestCICDMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		cicd.New(stack, "GitHub", &cicd.Props{Repository: "owner/*", DeployEnvironment: "prod:*", DeployBranch: "release/*", DeployWorkflow: "deploy.yml@v1", StackNamePrefix: ""})
	})
	assert.ElementsMatch(t, []string{
		`Repository: "owner/*"; allowed: "owner/name" without wildcards`,
		`DeployEnvironment: "prod:*"; allowed: a GitHub environment name without wildcards`,
		`DeployBranch: "release/*"; allowed: the branch that deploys the environment, without wildcards`,
		`DeployWorkflow: "deploy.yml@v1"; allowed: a workflow path such as .github/workflows/deploy.yml, without wildcards`,
		`StackNamePrefix: ""; allowed: the environment's stack-name prefix without wildcards`,
		"Regions: is empty; allowed: the regions the environment deploys to",
	}, err.Problems)
}

// An account has one GitHub OIDC provider: the second environment of an account imports
// it instead of creating one that would fail to deploy.
func TestCICDTheSecondEnvironmentOfAnAccountImportsTheProvider(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	props := func(env string, imported bool) *cicd.Props {
		return &cicd.Props{Repository: "owner/repo", DeployEnvironment: env, DeployBranch: env, StackNamePrefix: env + "-", Regions: []string{"eu-west-3"}, ImportProvider: imported}
	}
	created := cicd.New(stack, "First", props("first", false))
	imported := cicd.New(stack, "Second", props("second", true))
	_, isNew := created.Provider.(awsiam.OidcProviderNative)
	assert.True(t, isNew)
	assert.Nil(t, imported.Provider.Node().DefaultChild(), "an imported provider creates no resource")
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
		*imported.Provider.OidcProviderArn(), "the ARN IAM derives from the issuer")
}
