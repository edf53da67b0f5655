package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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
