package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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
