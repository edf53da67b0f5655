package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/cicd"
)

// newGameDayRole adds to the CICD stack the role the game-day workflow assumes (README,
// "Game days"), and its ARN as the output GameDayRoleArn.
func newGameDayRole(stack awscdk.Stack, env config.Environment, access *cicd.GitHubAccess) awsiam.Role {
	role := cicd.NewGameDayRole(stack, "GameDayRole", &cicd.GameDayProps{
		Provider:        access.Provider,
		Repository:      env.GitHub.Repository,
		Environment:     env.Name,
		Branch:          env.GitHub.Branch,
		AlarmNamePrefix: alarmNamePrefix(env),
		Regions:         uniqueRegions(env.Region, EdgeRegion),
	})
	awscdk.NewCfnOutput(stack, jsii.String("GameDayRoleArn"), &awscdk.CfnOutputProps{
		Value:       role.RoleArn(),
		Description: jsii.String("AWS_GAMEDAY_ROLE_ARN of the GitHub environment " + env.Name),
	})
	return role
}
