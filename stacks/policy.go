package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ApplyPolicyChecks runs the cdk-nag AwsSolutions rule pack over every construct of app.
// Unsuppressed findings become error and warning annotations, and errors fail synthesis.
// Suppressions live next to the resource they excuse, each with its reason.
//
// The aspect is added to each stage rather than to the app: a stage writes its nested
// cloud assembly before the app's own aspects run, so an app-level aspect's findings
// would never reach the stage's manifest.
func ApplyPolicyChecks(app *App) {
	for _, stage := range app.Stages() {
		awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
			Verbose: jsii.Bool(true),
		}), nil)
	}
}
