package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/backup"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestBackupMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		backup.NewPlan(stack, "Backup", &backup.PlanProps{RetentionDays: 36, DRVaultName: "dr vault", DRRegion: "eu-west-3"})
	})
	assert.ElementsMatch(t, []string{
		"Name: is required; allowed: a plan name unique in the account and region",
		"Resources: is empty; allowed: the resources to back up",
		"RetentionDays: is 36; allowed: 1 to 35 (the continuous-backup maximum)",
		"EncryptionKey: is required; allowed: the KMS key of the primary region's vault",
		`DRVaultName: "dr vault"; allowed: the DR vault's name (2-50 letters, digits, '-', '_' or '.')`,
		`DRRegion: "eu-west-3"; allowed: a region other than the plan's own`,
	}, err.Problems)
	vault := cdktest.InvalidProps(t, func() { backup.NewVault(stack, "Vault", &backup.VaultProps{Name: "x"}) })
	assert.Equal(t, []string{`Name: "x"; allowed: 2-50 letters, digits, '-', '_' or '.'`}, vault.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestBackupDefaultsRetainTheVaults(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	v := backup.NewVault(stack, "Vault", &backup.VaultProps{Name: "garcon-test-dr"})
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, v.Vault))
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, v.Key))
	p := backup.NewPlan(stack, "Backup", &backup.PlanProps{
		Name: "garcon-test", RetentionDays: 7, EncryptionKey: awskms.NewKey(stack, jsii.String("Key"), nil),
		DRVaultName: "garcon-test-dr", DRRegion: "eu-west-1",
		Resources: []awsbackup.BackupResource{awsbackup.BackupResource_FromArn(jsii.String("arn:aws:s3:::bucket"))},
	})
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, p.Vault))
}
