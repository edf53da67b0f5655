package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/cache"
	"github.com/garcon/infrastructure/internal/cdktest"
)

// The misuse that used to panic inside jsii ("Field … is required") now names every
// problem of the props at once.
func TestCacheMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		cache.New(stack, "Cache", &cache.Props{NodeType: "t4g.micro", Replicas: 6, SnapshotRetentionDays: 40})
	})
	assert.Equal(t, "Test/Cache", err.Path)
	assert.ElementsMatch(t, []string{
		"Vpc: is required; allowed: the environment's VPC (the cache goes into its isolated subnets)",
		"EncryptionKey: is required; allowed: a customer-managed KMS key (data at rest and the AUTH token are always encrypted)",
		`NodeType: "t4g.micro"; allowed: an ElastiCache node type such as cache.t4g.small`,
		"Replicas: is 6; allowed: 0 to 5",
		"SnapshotRetentionDays: is 40; allowed: 0 to 35",
		"LogRetention: is required; allowed: an awslogs.RetentionDays",
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestCacheDefaultsEncryptAndRetain(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	c := cache.New(stack, "Cache", &cache.Props{
		Vpc: cdktest.Vpc(stack), NodeType: "cache.t4g.micro", EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil),
		LogRetention: awslogs.RetentionDays_ONE_WEEK,
	})
	g := c.ReplicationGroup
	assert.Equal(t, true, g.TransitEncryptionEnabled())
	assert.Equal(t, true, g.AtRestEncryptionEnabled())
	assert.Equal(t, "7.1", *g.EngineVersion())
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, g))
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, c.AuthToken))
}
