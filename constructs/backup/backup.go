// Package backup provides AWS Backup for an environment: a Vault in the disaster-recovery
// region that receives copies, and a Plan in the primary region that takes daily and
// continuous (point-in-time) backups and copies them into that vault.
package backup

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/internal/validation"
)

// VaultProps configures a Vault.
type VaultProps struct {
	// Name is the vault's name; the primary region's plan refers to the vault by it.
	Name string
	// RemovalPolicy applies to the vault and its key.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Vault is a backup vault encrypted with a key of its own, in the region it is created in.
type Vault struct {
	constructs.Construct
	// Vault is the backup vault.
	Vault awsbackup.BackupVault
	// Key encrypts the vault's recovery points; it lives and dies with this region.
	Key awskms.Key
}

// NewVault creates the vault and its key.
func NewVault(scope constructs.Construct, id string, props *VaultProps) *Vault {
	v := validation.For(scope, id)
	v.Require(vaultName.MatchString(props.Name), "Name", fmt.Sprintf("%q; allowed: 2-50 letters, digits, '-', '_' or '.'", props.Name))
	v.Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	key := keys.New(c, "Key", &keys.Props{Description: "Garçon disaster-recovery backup vault " + props.Name, RemovalPolicy: removal})
	vault := awsbackup.NewBackupVault(c, jsii.String("Vault"), &awsbackup.BackupVaultProps{
		// The name is the contract with the primary region's copy action.
		BackupVaultName: jsii.String(props.Name),
		EncryptionKey:   key,
		RemovalPolicy:   removal,
	})
	return &Vault{Construct: c, Vault: vault, Key: key}
}

// PlanProps configures a Plan.
type PlanProps struct {
	// Name names the plan (AWS Backup requires a name; it must be unique in the account
	// and region).
	Name string
	// Resources are backed up by the plan (the database, the uploads bucket …).
	Resources []awsbackup.BackupResource
	// RetentionDays keeps daily and continuous backups and their copies (1–35).
	RetentionDays int
	// EncryptionKey encrypts the primary region's vault.
	EncryptionKey awskms.IKey
	// DRVaultName and DRRegion name the vault the copies go to (see NewVault).
	DRVaultName string
	// DRRegion is the disaster-recovery region.
	DRRegion string
	// RemovalPolicy applies to the primary region's vault.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Plan is a backup plan with its primary-region vault.
type Plan struct {
	constructs.Construct
	// Plan is the backup plan.
	Plan awsbackup.BackupPlan
	// Vault holds the primary region's recovery points.
	Vault awsbackup.BackupVault
	// DRVault is the disaster-recovery vault the rule copies to.
	DRVault awsbackup.IBackupVault
}

// NewPlan creates the primary vault, a daily rule with continuous backup and a copy to the
// DR vault, and the selection of resources.
func NewPlan(scope constructs.Construct, id string, props *PlanProps) *Plan {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	vault := awsbackup.NewBackupVault(c, jsii.String("Vault"), &awsbackup.BackupVaultProps{
		EncryptionKey: props.EncryptionKey,
		RemovalPolicy: removal,
	})
	// The ARN is formatted by CDK from the stack's partition and account, with the DR
	// region: no hand-written "arn:aws:" string and no cross-region reference.
	drVaultArn := awscdk.Arn_Format(&awscdk.ArnComponents{
		Service:      jsii.String("backup"),
		Region:       jsii.String(props.DRRegion),
		Resource:     jsii.String("backup-vault"),
		ResourceName: jsii.String(props.DRVaultName),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	}, awscdk.Stack_Of(c))
	drVault := awsbackup.BackupVault_FromBackupVaultArn(c, jsii.String("DRVault"), drVaultArn)

	retention := awscdk.Duration_Days(jsii.Number(props.RetentionDays))
	plan := awsbackup.NewBackupPlan(c, jsii.String("Plan"), &awsbackup.BackupPlanProps{
		BackupPlanName: jsii.String(props.Name),
		BackupVault:    vault,
		BackupPlanRules: &[]awsbackup.BackupPlanRule{
			awsbackup.NewBackupPlanRule(&awsbackup.BackupPlanRuleProps{
				RuleName: jsii.String("daily-with-point-in-time-recovery"),
				// 04:00 UTC, after the nightly RDS backup window, before European traffic.
				ScheduleExpression: awsevents.Schedule_Cron(&awsevents.CronOptions{Hour: jsii.String("4"), Minute: jsii.String("0")}),
				StartWindow:        awscdk.Duration_Hours(jsii.Number(1)),
				CompletionWindow:   awscdk.Duration_Hours(jsii.Number(4)),
				// Continuous backup gives point-in-time restore for RDS and S3.
				EnableContinuousBackup: jsii.Bool(true),
				DeleteAfter:            retention,
				CopyActions: &[]*awsbackup.BackupPlanCopyActionProps{{
					DestinationBackupVault: drVault,
					DeleteAfter:            retention,
				}},
			}),
		},
	})

	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("backup.amazonaws.com"), nil),
		Description: jsii.String("AWS Backup: back up and restore the Garçon database and uploads bucket"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSBackupServiceRolePolicyForBackup")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSBackupServiceRolePolicyForRestores")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AWSBackupServiceRolePolicyForS3Backup")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AWSBackupServiceRolePolicyForS3Restore")),
		},
	})
	props.EncryptionKey.GrantEncryptDecrypt(role)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("AWS Backup's service-role managed policies are the documented, AWS-maintained permissions for backing up and restoring RDS and S3."),
			AppliesTo: &[]any{
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"),
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"),
			}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("The KMS grant's wildcard actions (kms:GenerateDataKey*, kms:ReEncrypt*) are scoped to the environment's single key."),
			AppliesTo: &[]any{jsii.String("Action::kms:GenerateDataKey*"), jsii.String("Action::kms:ReEncrypt*")}},
	}, jsii.Bool(true))
	plan.AddSelection(jsii.String("Selection"), &awsbackup.BackupSelectionOptions{
		Resources:                  &props.Resources,
		Role:                       role,
		DisableDefaultBackupPolicy: jsii.Bool(true), // the role above already has it
	})
	return &Plan{Construct: c, Plan: plan, Vault: vault, DRVault: drVault}
}

// vaultName is what AWS Backup accepts as a vault name.
var vaultName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{2,50}$`)

func (p *PlanProps) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Name != "", "Name", "is required; allowed: a plan name unique in the account and region")
	v.Require(len(p.Resources) > 0, "Resources", "is empty; allowed: the resources to back up")
	v.Require(p.RetentionDays >= 1 && p.RetentionDays <= 35, "RetentionDays", fmt.Sprintf("is %d; allowed: 1 to 35 (the continuous-backup maximum)", p.RetentionDays))
	v.Require(p.EncryptionKey != nil, "EncryptionKey", "is required; allowed: the KMS key of the primary region's vault")
	v.Require(vaultName.MatchString(p.DRVaultName), "DRVaultName", fmt.Sprintf("%q; allowed: the DR vault's name (2-50 letters, digits, '-', '_' or '.')", p.DRVaultName))
	v.Require(p.DRRegion != "" && p.DRRegion != *awscdk.Stack_Of(scope).Region(), "DRRegion",
		fmt.Sprintf("%q; allowed: a region other than the plan's own", p.DRRegion))
	return v
}
