package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/backup"
)

// BackupStack holds the disaster-recovery vault in the environment's DR region.
type BackupStack struct {
	awscdk.Stack
	// Vault receives the cross-region copies of the primary region's backups.
	Vault *backup.Vault
}

// NewBackupStack creates the DR vault of env in env.DRRegion.
func NewBackupStack(scope constructs.Construct, id string, env config.Environment) *BackupStack {
	props := stackProps(env, fmt.Sprintf("disaster-recovery backup vault in %s", env.DRRegion))
	props.Env = &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.DRRegion)}
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	vault := backup.NewVault(stack, "Vault", &backup.VaultProps{Name: env.Backup.DRVaultName, RemovalPolicy: removalPolicy(env)})
	return &BackupStack{Stack: stack, Vault: vault}
}
