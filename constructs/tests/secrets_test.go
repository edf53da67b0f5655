package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/secrets"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestSecretsMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() { secrets.New(stack, "Secrets", &secrets.Props{}) })
	assert.Equal(t, []string{"EncryptionKey: is required; allowed: the environment's customer-managed KMS key"}, err.Problems)
}

func TestSecretsDefaultsRetainEverySecret(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	s := secrets.New(stack, "Secrets", &secrets.Props{EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil)})
	for _, secret := range []awscdk.IResource{s.JwtSigningKey, s.StripeAPIKey, s.GoogleMapsAPIKey} {
		assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, secret))
	}
}
