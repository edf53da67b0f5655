package edge

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/constructs/keys"
)

// The assets bucket is SSE-KMS encrypted, and CloudFront reads it through Origin Access
// Control, so the key policy must let CloudFront decrypt. Naming this distribution in
// that policy is a dependency cycle in one template (key → distribution → bucket → key),
// which CDK's OAC origin breaks by admitting every distribution of the account. Here the
// cycle is broken on the bucket's side instead: its default encryption names the key by
// its alias ARN, a string built from the alias name and pseudo parameters, so the bucket
// no longer depends on the key, and the key policy can name this distribution exactly.
// The alias resolves in the writer's account; only this account writes static assets.

// newAssetsKey creates the assets key and its alias, and returns the alias ARN as a
// string that refers to no resource.
func newAssetsKey(scope constructs.Construct, domain string, removal awscdk.RemovalPolicy) (awskms.Key, *string) {
	key := keys.New(scope, "AssetsKey", &keys.Props{Description: "Garçon static assets of " + domain, RemovalPolicy: removal})
	name := "alias/garcon/static-assets/" + strings.ReplaceAll(domain, ".", "-")
	awskms.NewAlias(scope, jsii.String("AssetsKeyAlias"), &awskms.AliasProps{
		AliasName: jsii.String(name),
		TargetKey: key,
		// An alias holds no data; retaining it would block recreating the stack.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	arn := awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("kms"), Resource: jsii.String(name), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})
	return key, arn
}

// allowDistributionToDecrypt lets CloudFront decrypt with key on behalf of distribution
// only (its OAC requests carry the distribution's ARN as aws:SourceArn).
func allowDistributionToDecrypt(key awskms.Key, distribution awscloudfront.Distribution) {
	arn := awscdk.Stack_Of(key).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudfront"), Region: jsii.String(""),
		Resource: jsii.String("distribution"), ResourceName: distribution.DistributionId(),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowThisDistributionThroughOAC"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": arn}},
	}), nil)
}
