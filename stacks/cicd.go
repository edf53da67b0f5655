package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/cicd"
)

// CICDStack holds the GitHub OIDC provider and the roles CI assumes in the environment's
// account. It is deployed once by hand (it grants CI its access), then by CI.
type CICDStack struct {
	awscdk.Stack
	// Access is the provider and the deploy and diff roles.
	Access *cicd.GitHubAccess
	// DriftRole is assumed by the nightly drift workflow (README, "Drift").
	DriftRole awsiam.Role
	// GameDayRole is assumed by the game-day workflow (README, "Game days").
	GameDayRole awsiam.Role
}

// NewCICDStack creates the CI access of env. importProvider is true when another
// environment of the same account creates the account's GitHub OIDC provider.
func NewCICDStack(scope constructs.Construct, id string, env config.Environment, importProvider bool) *CICDStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "GitHub Actions OIDC provider and CI roles"))
	access := cicd.New(stack, "GitHub", &cicd.Props{
		Repository:        env.GitHub.Repository,
		DeployEnvironment: env.Name,
		DeployBranch:      env.GitHub.Branch,
		Regions:           uniqueRegions(env.Region, env.DRRegion, EdgeRegion),
		StackNamePrefix:   env.StageName + "-",
		ImportProvider:    importProvider,
	})
	output(stack, "DeployRoleArn", *access.DeployRole.RoleArn(), "AWS_DEPLOY_ROLE_ARN of the GitHub environment "+env.Name)
	output(stack, "DiffRoleArn", *access.DiffRole.RoleArn(), "Repository variable AWS_DIFF_ROLE_ARN_"+strings.ToUpper(env.Name)+" for pull-request diffs")
	drift := newDriftRole(stack, env, access)
	gameDay := newGameDayRole(stack, env, access)
	return &CICDStack{Stack: stack, Access: access, DriftRole: drift, GameDayRole: gameDay}
}

func uniqueRegions(regions ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range regions {
		if !seen[r] {
			out = append(out, r)
			seen[r] = true
		}
	}
	return out
}
