package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/edge"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func edgeZone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0TEST"), ZoneName: jsii.String("example.app"),
	})
}

// Used to crash on a nil pointer without a zone; now every problem is named, including
// a stack in the wrong region.
func TestEdgeMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() { edge.New(stack, "Static", &edge.Props{DomainName: "static.example.app"}) })
	assert.ElementsMatch(t, []string{
		"HostedZone: is required; allowed: the zone of this account that holds the static host's records",
		"WebACLArn: is required; allowed: the ARN of a CLOUDFRONT-scope web ACL",
		"LogRetentionDays: is 0; allowed: at least 1",
		"PriceClass: is required; allowed: an awscloudfront.PriceClass",
		"scope: is in eu-west-3; allowed: a us-east-1 stack (CloudFront takes its certificate and web ACL from there)",
	}, err.Problems)

	east := cdktest.Stack(t, "us-east-1")
	outside := cdktest.InvalidProps(t, func() {
		edge.New(east, "Static", &edge.Props{HostedZone: edgeZone(east), DomainName: "static.other.app", WebACLArn: jsii.String("arn"),
			LogRetentionDays: 7, PriceClass: awscloudfront.PriceClass_PRICE_CLASS_100})
	})
	assert.Equal(t, []string{`DomainName: "static.other.app" is not inside the zone example.app; allowed: a name in it, e.g. static.example.app`}, outside.Problems)
}

func TestEdgeDefaultsRetainTheBuckets(t *testing.T) {
	stack := cdktest.Stack(t, "us-east-1")
	e := edge.New(stack, "Static", &edge.Props{HostedZone: edgeZone(stack), DomainName: "static.example.app", WebACLArn: jsii.String("arn"),
		LogRetentionDays: 7, PriceClass: awscloudfront.PriceClass_PRICE_CLASS_100})
	for _, b := range []awss3.Bucket{e.Assets, e.Logs} {
		assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, b))
	}
	assert.Equal(t, "static.example.app", e.DomainName)
}
