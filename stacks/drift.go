package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/cicd"
)

// newDriftRole creates the read-only role of the nightly drift workflow for env's stacks
// and outputs its ARN for the repository variable AWS_DRIFT_ROLE_ARN_<ENV>.
func newDriftRole(stack awscdk.Stack, env config.Environment, access *cicd.GitHubAccess) awsiam.Role {
	role := cicd.NewDriftRole(stack, "DriftRole", &cicd.DriftProps{
		Provider:        access.Provider,
		Repository:      env.GitHub.Repository,
		Branch:          env.GitHub.DefaultBranch,
		StackNamePrefix: env.StageName + "-",
	})
	output(stack, "DriftRoleArn", *role.RoleArn(), "Repository variable AWS_DRIFT_ROLE_ARN_"+strings.ToUpper(env.Name)+" for the nightly drift check")
	return role
}
