package observability

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LambdaLogRetention is an aspect that gives every Lambda function in its scope (including
// the ones CDK's custom-resource providers create) a log group of its own with a
// retention, through the function's LoggingConfig. Without it, Lambda creates
// /aws/lambda/<name> on first invocation with logs kept forever. A function that already
// names its log group (a construct that creates one with its own key, retention and
// role grant) keeps it.
type LambdaLogRetention struct {
	// Retention applies to every function's log group.
	Retention awslogs.RetentionDays
	// RemovalPolicy applies to the log groups.
	RemovalPolicy awscdk.RemovalPolicy
}

// Visit implements awscdk.IAspect.
func (a *LambdaLogRetention) Visit(node constructs.IConstruct) {
	if !*awscdk.CfnResource_IsCfnResource(node) {
		return
	}
	resource, ok := node.(awscdk.CfnResource)
	if !ok || *resource.CfnResourceType() != "AWS::Lambda::Function" || namesItsLogGroup(node) {
		return
	}
	scope, ok := node.Node().Scope().(constructs.Construct)
	if !ok {
		return
	}
	id := *node.Node().Id() + "LogGroup"
	if scope.Node().TryFindChild(jsii.String(id)) != nil {
		return // visited before (aspects may run more than once)
	}
	logGroup := awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		Retention:     a.Retention,
		RemovalPolicy: a.RemovalPolicy,
	})
	// The reference also orders creation: the log group exists before the function runs.
	resource.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), logGroup.LogGroupName())
}

// namesItsLogGroup reports whether node is a function whose LoggingConfig already names a
// log group.
func namesItsLogGroup(node constructs.IConstruct) bool {
	fn, ok := node.(awslambda.CfnFunction)
	if !ok {
		return false
	}
	config, ok := fn.LoggingConfig().(*awslambda.CfnFunction_LoggingConfigProperty)
	return ok && config != nil && config.LogGroup != nil
}
