package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/database"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestDatabaseMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		database.New(stack, "Database", &database.Props{ReadReplicas: 16, BackupRetentionDays: 0, AllocatedStorageGiB: 10, MaxAllocatedStorageGiB: 10})
	})
	assert.Equal(t, "Test/Database", err.Path)
	for _, want := range []string{"Vpc: is required", "EncryptionKey: is required", "InstanceClass: is empty",
		"AllocatedStorageGiB: is 10; allowed: 20 to 65536", "MaxAllocatedStorageGiB: is 10; allowed: more than AllocatedStorageGiB (10)",
		"ReadReplicas: is 16; allowed: 0 to 15", "BackupRetentionDays: is 0; allowed: 1 to 35", "LogRetention: is required"} {
		assert.Contains(t, err.Error(), "Test/Database: "+want)
	}
	assert.Len(t, err.Problems, 8, "every problem, each once")
	assert.Empty(t, *stack.Node().Children(), "nothing is created from invalid props")
}

func databaseProps(stack awscdk.Stack) *database.Props {
	return &database.Props{
		Vpc: cdktest.Vpc(stack), InstanceClass: "t4g.medium", AllocatedStorageGiB: 20, MaxAllocatedStorageGiB: 40,
		BackupRetentionDays: 7, EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil), LogRetention: awslogs.RetentionDays_ONE_WEEK,
	}
}

// The most stateful construct defaults to the safe choice, as aws-rds does: deletion
// protection, a snapshot on delete, automated backups and the master secret kept.
func TestDatabaseDefaultsProtectTheData(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	db := database.New(stack, "Database", databaseProps(stack))
	instance := db.Instance.Node().DefaultChild().(awsrds.CfnDBInstance)
	assert.Equal(t, true, instance.DeletionProtection())
	assert.Equal(t, false, instance.DeleteAutomatedBackups())
	assert.Equal(t, awscdk.CfnDeletionPolicy_SNAPSHOT, cdktest.DeletionPolicy(t, instance))
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, db.Instance.Node().FindChild(jsii.String("Secret"))),
		"the master secret itself, not the attachment wrapping it")
}

func TestDatabaseDisposableIsDestroyedWithItsStack(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	p := databaseProps(stack)
	p.Disposable = true
	db := database.New(stack, "Database", p)
	instance := db.Instance.Node().DefaultChild().(awsrds.CfnDBInstance)
	assert.Equal(t, false, instance.DeletionProtection())
	assert.Equal(t, awscdk.CfnDeletionPolicy_DELETE, cdktest.DeletionPolicy(t, instance))
}
