package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/waf"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestWAFMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() { waf.New(stack, "Waf", &waf.Props{Scope: "GLOBAL", RateLimit: 10, Name: "Bad Name"}) })
	assert.ElementsMatch(t, []string{
		`Scope: is "GLOBAL"; allowed: REGIONAL, CLOUDFRONT`,
		"RateLimit: is 10; allowed: 100 to 2000000000",
		`Name: "Bad Name"; allowed: lower-case letters, digits and '-', e.g. garcon-staging-api`,
		"LogRetention: is required; allowed: an awslogs.RetentionDays",
		"LogEncryptionKey: is required; allowed: a customer-managed KMS key whose policy admits CloudWatch Logs (keys.NewLogsKey)",
	}, err.Problems)
}

// The log group keeps the prefix WAF requires and ends with its stack's unique id, so a
// retained group never blocks the recreation of its stack.
func TestWAFLogGroupIsRetainedUnderAUniqueName(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	acl := waf.New(stack, "Waf", &waf.Props{Scope: waf.ScopeRegional, RateLimit: 1000, Name: "garcon-test-api", LogRetention: awslogs.RetentionDays_ONE_WEEK,
		LogEncryptionKey: keys.NewLogsKey(stack, "Key", &keys.Props{Description: "waf logs"})})
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, acl.LogGroup))
	name := stack.Resolve(acl.LogGroup.Node().DefaultChild().(awslogs.CfnLogGroup).LogGroupName())
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{
		waf.LogGroupPrefix + "garcon-test-api-",
		map[string]any{"Fn::Select": []any{float64(2), map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}},
	}}}, name)
}
