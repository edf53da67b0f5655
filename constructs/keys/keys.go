// Package keys provides the customer-managed KMS keys of an environment, with the key
// policies the services that use them need at run time.
package keys

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Props configures a key.
type Props struct {
	// Description says what the key encrypts, e.g. "Garçon staging: VPC flow logs".
	Description string
	// RemovalPolicy applies to the key. A deleted key makes everything it encrypted
	// unreadable, so keep it wherever that data is kept.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// New creates a symmetric key with yearly automatic rotation. Its policy keeps CDK's
// default statement (the account administers the key and grants it through IAM) and
// denies kms:CreateGrant to everyone except AWS services: a grant is how RDS,
// ElastiCache, Secrets Manager or AWS Backup use the key for a resource, and any other
// grant would hand the key to a principal outside every policy this repository shows.
func New(scope constructs.Construct, id string, props *Props) awskms.Key {
	v := validation.For(scope, id)
	v.Require(props.Description != "", "Description", "is empty; allowed: what the key encrypts")
	v.Check()
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(props.Description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false",
			"aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
	return key
}

// NewLogsKey creates a key that CloudWatch Logs may use for the log groups of its stack's
// account and region (and no others).
func NewLogsKey(scope constructs.Construct, id string, props *Props) awskms.Key {
	key := New(scope, id, props)
	AllowCloudWatchLogs(key)
	return key
}

// EncryptLogGroups encrypts with key every log group of stack that has no key,
// including those CDK's own custom-resource providers create, which offer no key prop and
// appear only while the app is prepared for synthesis (hence an aspect). key's policy must
// admit CloudWatch Logs (NewLogsKey).
func EncryptLogGroups(stack awscdk.Stack, key awskms.IKey) {
	// Mutating aspects run before the policy checks (cdk-nag) that read the result.
	awscdk.Aspects_Of(stack).Add(&logGroupEncryption{stack: *stack.Node().Path(), key: key},
		&awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
}

type logGroupEncryption struct {
	stack string
	key   awskms.IKey
}

// Visit sets the key on a log group of the stack that has none.
func (e *logGroupEncryption) Visit(node constructs.IConstruct) {
	if *awscdk.Stack_Of(node).Node().Path() != e.stack || !*awscdk.CfnResource_IsCfnResource(node) {
		return
	}
	switch r := node.(type) {
	case awslogs.CfnLogGroup:
		if r.KmsKeyId() == nil {
			r.SetKmsKeyId(e.key.KeyArn())
		}
	case awscdk.CfnResource:
		// A provider's log group is a plain CfnResource; CDK never gives it a key.
		if *r.CfnResourceType() == "AWS::Logs::LogGroup" {
			r.AddPropertyOverride(jsii.String("KmsKeyId"), e.key.KeyArn())
		}
	}
}

// AllowCloudWatchLogs lets CloudWatch Logs of key's account and region encrypt and read
// log groups with key. CloudWatch Logs calls KMS as its regional service principal with
// the log group's ARN as encryption context; the condition admits only this account's
// log groups in this region.
func AllowCloudWatchLogs(key awskms.Key) {
	stack := awscdk.Stack_Of(key)
	logGroups := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": logGroups}},
	}), nil)
}
