package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/storage"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestStorageMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		storage.New(stack, "Storage", &storage.Props{CorsOrigins: []string{"http://x.example", "https://*.example"}})
	})
	assert.ElementsMatch(t, []string{
		"EncryptionKey: is required; allowed: a customer-managed KMS key (uploads are always SSE-KMS)",
		"LogRetentionDays: is 0; allowed: at least 1",
		`CorsOrigins: "http://x.example" is not allowed; allowed: https:// origins without wildcards`,
		`CorsOrigins: "https://*.example" is not allowed; allowed: https:// origins without wildcards`,
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestStorageDefaultsRetainAndKeepObjects(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	s := storage.New(stack, "Storage", &storage.Props{
		EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil), CorsOrigins: []string{"https://app.example"}, LogRetentionDays: 7,
	})
	for _, b := range []awss3.Bucket{s.Uploads, s.Logs} {
		assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, b))
		assert.Nil(t, b.Node().TryFindChild(jsii.String("AutoDeleteObjectsCustomResource")), "a retained bucket is never emptied")
	}
}

func TestStorageDestroyedBucketsAreEmptiedFirst(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	s := storage.New(stack, "Storage", &storage.Props{
		EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil), CorsOrigins: []string{"https://app.example"}, LogRetentionDays: 7,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	for _, b := range []awss3.Bucket{s.Uploads, s.Logs} {
		assert.NotNil(t, b.Node().TryFindChild(jsii.String("AutoDeleteObjectsCustomResource")), "CloudFormation cannot delete a bucket that holds objects")
	}
}

func TestPrivateBucketMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	key := awskms.NewKey(stack, jsii.String("Key"), nil)
	err := cdktest.InvalidProps(t, func() {
		storage.NewPrivateBucket(stack, "Bucket", storage.PrivateBucketProps{EncryptionKey: key, EncryptionKeyAliasArn: jsii.String("arn:aws:kms:eu-west-3:123456789012:alias/x")})
	})
	assert.ElementsMatch(t, []string{
		"EncryptionKey: and EncryptionKeyAliasArn: exactly one is required; allowed: a customer-managed key, or its alias ARN",
		"AccessLogs: is required; allowed: a log bucket (NewLogBucket)",
		"NoncurrentVersionDays: is 0; allowed: at least 1",
		"ReplicationReason: is empty; allowed: one sentence on what protects the objects against the loss of the region",
	}, err.Problems)
	neither := cdktest.InvalidProps(t, func() { storage.NewPrivateBucket(stack, "Bucket", storage.PrivateBucketProps{}) })
	assert.Contains(t, neither.Problems, "EncryptionKey: and EncryptionKeyAliasArn: exactly one is required; allowed: a customer-managed key, or its alias ARN")
}

// By alias, the bucket's default encryption names the alias ARN and the bucket does not
// depend on the key (no key is created for it either).
func TestPrivateBucketByAliasDoesNotDependOnTheKey(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	logs := storage.NewLogBucket(stack, "Logs", storage.LogBucketProps{RetentionDays: 7, SSES3Reason: "S3 server access logs need SSE-S3."})
	alias := "arn:aws:kms:eu-west-3:123456789012:alias/assets"
	storage.NewPrivateBucket(stack, "Bucket", storage.PrivateBucketProps{EncryptionKeyAliasArn: jsii.String(alias), AccessLogs: logs, NoncurrentVersionDays: 30, ReplicationReason: "Test objects need no replication."})
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"BucketKeyEnabled":              true,
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": alias},
		}}},
	})
}
