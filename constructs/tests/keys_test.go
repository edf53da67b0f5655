package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestKeyMisuseNamesTheMissingDescription(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() { keys.New(stack, "Key", &keys.Props{}) })
	assert.Equal(t, []string{"Description: is empty; allowed: what the key encrypts"}, err.Problems)
}

// A deleted key makes what it encrypted unreadable: keys are retained unless told.
func TestKeysAreRetainedByDefault(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, keys.NewLogsKey(stack, "Key", &keys.Props{Description: "logs"})))
	disposable := keys.New(stack, "Disposable", &keys.Props{Description: "test", RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	assert.Equal(t, awscdk.CfnDeletionPolicy_DELETE, cdktest.DeletionPolicy(t, disposable))
}

// Control Tower's CT.KMS.PR.3: only AWS services, for the resources they encrypt, may
// create grants on a key; any other grant hands the key to a principal no policy shows.
func TestKeysDenyGrantsExceptToAWSServices(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	keys.New(stack, "Key", &keys.Props{Description: "test"})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Sid":       "DenyGrantsExceptForAWSServices",
			"Effect":    "Deny",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    "kms:CreateGrant",
			"Resource":  "*",
			"Condition": map[string]any{"BoolIfExists": map[string]any{
				"kms:GrantIsForAWSResource": "false",
				"aws:PrincipalIsAWSService": "false",
			}},
		}})},
	})
}
