// Package restoretest proves that backups restore: an AWS Backup restore testing plan
// that, on a schedule, restores the latest recovery point of the database and of the
// uploads bucket into throw-away resources, validates them (a function checks each
// completed restore job and reports the result to AWS Backup), keeps them for a
// validation window and lets AWS Backup delete them; the restored database lands in
// isolated subnets behind a security group that admits nothing. A failed restore job
// or a failed validation notifies the alarm topic.
package restoretest

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// Props configures a RestoreTest.
type Props struct {
	// Name names the plan (AWS Backup requires one, unique in the account and region:
	// 1–50 letters, digits or underscores), e.g. "garcon_staging".
	Name string
	// Schedule is an EventBridge cron expression in UTC, e.g. "cron(0 5 ? * SAT *)".
	Schedule string
	// StartWindowHours is how long after the scheduled time a test may start (1–168).
	// Default: 8.
	StartWindowHours int
	// ValidationHours keeps the restored copies this long before deletion (1–168).
	ValidationHours int
	// Vpc holds the isolated subnets the restored database is created in.
	Vpc awsec2.IVpc
	// Vault is the primary region's vault whose latest recovery points are restored.
	Vault awsbackup.IBackupVault
	// DatabaseArn is the RDS instance whose backups are restored.
	DatabaseArn *string
	// BucketArn is the S3 bucket whose backups are restored.
	BucketArn *string
	// EncryptionKey encrypts the recovery points (and the database snapshot): restores
	// must decrypt with it.
	EncryptionKey awskms.IKey
	// AlarmTopicArn is notified of failed restore jobs; its policy must admit the rule
	// (AllowFailedRestoreAlarms).
	AlarmTopicArn *string
	// RuleName names the EventBridge rule: the topic's and key's policies name its ARN.
	RuleName string
	// ValidationAlarmName names the alarm of failed validations; the topic's policy must
	// admit CloudWatch alarms of that name.
	ValidationAlarmName string
	// LogRetention keeps the validation function's logs.
	LogRetention awslogs.RetentionDays
	// LogKey encrypts the validation function's logs; its policy must admit CloudWatch Logs.
	LogKey awskms.IKey
}

// RestoreTest is the restore testing plan with its two selections.
type RestoreTest struct {
	constructs.Construct
	// Plan schedules the tests.
	Plan awsbackup.CfnRestoreTestingPlan
	// Database restores the RDS instance's latest recovery point.
	Database awsbackup.CfnRestoreTestingSelection
	// Bucket restores the uploads bucket's latest recovery point into a new bucket.
	Bucket awsbackup.CfnRestoreTestingSelection
	// Role is the role AWS Backup creates the restored resources with.
	Role awsiam.Role
	// SecurityGroup is the restored database's: no ingress, no egress.
	SecurityGroup awsec2.SecurityGroup
	// SubnetGroup places the restored database in the isolated subnets.
	SubnetGroup awsrds.SubnetGroup
	// FailedRestores notifies AlarmTopicArn of every failed restore job.
	FailedRestores awsevents.CfnRule
	// Validation validates every completed restore job of the plan.
	Validation *Validation
}

// New creates the plan, its selections, the restore role, the restored database's
// network placement, the failed-restore rule and the validation of completed restores.
func New(scope constructs.Construct, id string, props *Props) *RestoreTest {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	start := props.StartWindowHours
	if start == 0 {
		start = 8
	}
	plan := awsbackup.NewCfnRestoreTestingPlan(c, jsii.String("Plan"), &awsbackup.CfnRestoreTestingPlanProps{
		RestoreTestingPlanName:     jsii.String(props.Name),
		ScheduleExpression:         jsii.String(props.Schedule),
		ScheduleExpressionTimezone: jsii.String("Etc/UTC"),
		StartWindowHours:           jsii.Number(float64(start)),
		RecoveryPointSelection: &awsbackup.CfnRestoreTestingPlan_RestoreTestingRecoveryPointSelectionProperty{
			Algorithm:     jsii.String("LATEST_WITHIN_WINDOW"),
			IncludeVaults: jsii.Strings(*props.Vault.BackupVaultArn()),
			// Daily snapshots and the continuous (point-in-time) backups of the plan.
			RecoveryPointTypes:  jsii.Strings("CONTINUOUS", "SNAPSHOT"),
			SelectionWindowDays: jsii.Number(7),
		},
	})
	rt := &RestoreTest{Construct: c, Plan: plan}
	rt.Role = newRole(c, props.EncryptionKey)
	rt.SecurityGroup, rt.SubnetGroup = isolatedPlacement(c, props.Vpc)
	rt.Database = awsbackup.NewCfnRestoreTestingSelection(c, jsii.String("Database"), &awsbackup.CfnRestoreTestingSelectionProps{
		RestoreTestingPlanName:      plan.Ref(), // the plan's name, and a dependency on it
		RestoreTestingSelectionName: jsii.String("database"),
		ProtectedResourceType:       jsii.String("RDS"),
		ProtectedResourceArns:       &[]*string{props.DatabaseArn},
		IamRoleArn:                  rt.Role.RoleArn(),
		ValidationWindowHours:       jsii.Number(float64(props.ValidationHours)),
		// Keys AWS Backup lets a restore test override for an RDS instance (restore
		// testing inferred metadata): its subnet group and security groups, here the
		// isolated subnets and a group that admits nothing. The value of
		// vpcSecurityGroupIds is a JSON list.
		RestoreMetadataOverrides: &map[string]*string{
			"dbsubnetgroupname":   rt.SubnetGroup.SubnetGroupName(),
			"vpcsecuritygroupids": awscdk.Fn_Join(jsii.String(""), jsii.Strings(`["`, *rt.SecurityGroup.SecurityGroupId(), `"]`)),
		},
	})
	rt.Bucket = awsbackup.NewCfnRestoreTestingSelection(c, jsii.String("Bucket"), &awsbackup.CfnRestoreTestingSelectionProps{
		RestoreTestingPlanName:      plan.Ref(), // the plan's name, and a dependency on it
		RestoreTestingSelectionName: jsii.String("uploads"),
		ProtectedResourceType:       jsii.String("S3"),
		ProtectedResourceArns:       &[]*string{props.BucketArn},
		IamRoleArn:                  rt.Role.RoleArn(),
		ValidationWindowHours:       jsii.Number(float64(props.ValidationHours)),
		// AWS Backup infers a new bucket named awsbackup-restore-test-…: nothing to
		// override, the restore never writes into the live bucket.
	})
	rt.FailedRestores = failedRestoreRule(c, props.RuleName, props.AlarmTopicArn)
	rt.Validation = newValidation(c, rt, props)
	return rt
}

// newRole is the role AWS Backup restores with. AWS Backup deletes what it restored with
// its own service-linked role (AWSServiceRoleForBackupRestoreTesting), so this role
// only creates.
func newRole(c constructs.Construct, key awskms.IKey) awsiam.Role {
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("backup.amazonaws.com"), nil),
		Description: jsii.String("AWS Backup restore testing: restore the Garçon database and uploads bucket into throw-away copies"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSBackupServiceRolePolicyForRestores")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AWSBackupServiceRolePolicyForS3Restore")),
		},
	})
	// The recovery points are encrypted with the environment key, whose policy delegates
	// to IAM in the account: the statement must be in the role's own policy (a grant
	// through an imported key writes nothing).
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DecryptRecoveryPoints"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:CreateGrant"),
		Resources: jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringLike": map[string]any{"kms:ViaService": []string{
			fmt.Sprintf("rds.%s.amazonaws.com", *awscdk.Stack_Of(c).Region()),
			fmt.Sprintf("s3.%s.amazonaws.com", *awscdk.Stack_Of(c).Region()),
			fmt.Sprintf("backup.%s.amazonaws.com", *awscdk.Stack_Of(c).Region()),
		}}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("AWS Backup's restore managed policies are the documented, AWS-maintained permissions a restore of RDS and S3 needs, and they follow every parameter AWS Backup adds."),
			AppliesTo: &[]any{
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
				jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"),
			}},
	}, jsii.Bool(true))
	return role
}

// isolatedPlacement is where the restored database lives: the isolated subnets (no route
// out of the VPC) and a security group without a single rule, so nothing — the API
// included — can reach it and it can reach nothing.
func isolatedPlacement(c constructs.Construct, vpc awsec2.IVpc) (awsec2.SecurityGroup, awsrds.SubnetGroup) {
	sg := awsec2.NewSecurityGroup(c, jsii.String("RestoredDatabaseSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Restore-tested database copy: no ingress, no egress"),
		AllowAllOutbound: jsii.Bool(false),
	})
	subnets := awsrds.NewSubnetGroup(c, jsii.String("RestoredDatabaseSubnets"), &awsrds.SubnetGroupProps{
		Vpc:           vpc,
		Description:   jsii.String("Restore-tested database copies: isolated subnets"),
		VpcSubnets:    &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	return sg, subnets
}

// planName is what AWS Backup accepts as a restore testing plan name.
var planName = regexp.MustCompile(`^[A-Za-z0-9_]{1,50}$`)

// ruleName is what EventBridge accepts as a rule name.
var ruleName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(planName.MatchString(p.Name), "Name", fmt.Sprintf("%q; allowed: 1-50 letters, digits or underscores", p.Name))
	v.Require(p.Schedule != "", "Schedule", "is required; allowed: an EventBridge cron expression")
	v.Require(p.StartWindowHours >= 0 && p.StartWindowHours <= 168, "StartWindowHours", fmt.Sprintf("is %d; allowed: 1 to 168 (0: the default)", p.StartWindowHours))
	v.Require(p.ValidationHours >= 1 && p.ValidationHours <= 168, "ValidationHours", fmt.Sprintf("is %d; allowed: 1 to 168", p.ValidationHours))
	v.Require(p.Vpc != nil, "Vpc", "is required; allowed: the VPC with the isolated subnets")
	v.Require(p.Vault != nil, "Vault", "is required; allowed: the vault holding the recovery points")
	v.Require(p.DatabaseArn != nil, "DatabaseArn", "is required; allowed: the RDS instance's ARN")
	v.Require(p.BucketArn != nil, "BucketArn", "is required; allowed: the bucket's ARN")
	v.Require(p.EncryptionKey != nil, "EncryptionKey", "is required; allowed: the key of the recovery points")
	v.Require(p.AlarmTopicArn != nil, "AlarmTopicArn", "is required; allowed: the environment's alarm topic")
	v.Require(ruleName.MatchString(p.RuleName), "RuleName", fmt.Sprintf("%q; allowed: 1-64 letters, digits, '.', '-' or '_'", p.RuleName))
	v.Require(p.ValidationAlarmName != "", "ValidationAlarmName", "is required; allowed: an alarm name the alarm topic admits")
	v.Require(p.LogRetention != "", "LogRetention", "is required; allowed: a log retention")
	v.Require(p.LogKey != nil, "LogKey", "is required; allowed: a key CloudWatch Logs may use")
	return v
}
