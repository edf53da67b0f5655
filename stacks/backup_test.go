package stacks_test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

// onlyResource returns the properties of the one resource of typ in env's Resilience stack.
func onlyResource(t *testing.T, env *stacks.Environment, typ string) (string, map[string]any) {
	t.Helper()
	found := resourcesOf(env.Resilience.Stack, typ)
	require.Len(t, found, 1, "one %s", typ)
	for id, r := range found {
		return id, r["Properties"].(map[string]any)
	}
	return "", nil
}

// selection returns the restore testing selection of the given resource type.
func selection(t *testing.T, env *stacks.Environment, resourceType string) map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range resourcesOf(env.Resilience.Stack, "AWS::Backup::RestoreTestingSelection") {
		if props := r["Properties"].(map[string]any); props["ProtectedResourceType"] == resourceType {
			out = append(out, props)
		}
	}
	require.Len(t, out, 1, "one %s selection", resourceType)
	return out[0]
}

func TestRestoreTestingPlanRunsOnTheConfiguredScheduleFromThePrimaryVault(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		planID, plan := onlyResource(t, env, "AWS::Backup::RestoreTestingPlan")
		assert.Equal(t, "garcon_"+env.Config.Name, plan["RestoreTestingPlanName"])
		assert.Equal(t, env.Config.Backup.RestoreTestSchedule, plan["ScheduleExpression"])
		assert.Equal(t, "Etc/UTC", plan["ScheduleExpressionTimezone"])
		assert.EqualValues(t, 8, plan["StartWindowHours"])
		sel := plan["RecoveryPointSelection"].(map[string]any)
		assert.Equal(t, "LATEST_WITHIN_WINDOW", sel["Algorithm"])
		assert.ElementsMatch(t, []any{"CONTINUOUS", "SNAPSHOT"}, sel["RecoveryPointTypes"])
		require.Len(t, sel["IncludeVaults"], 1)
		assert.Equal(t, []string{"PublishOutputFnGetAttBackupVaultADF21B19BackupVaultArnB272382F"}, stackOutputNames(sel["IncludeVaults"]),
			"the Data stack's primary vault, nothing else")
		for _, kind := range []string{"RDS", "S3"} {
			assert.Equal(t, map[string]any{"Ref": planID}, selection(t, env, kind)["RestoreTestingPlanName"])
		}
	})
	// Monthly in production, weekly in staging.
	assert.Equal(t, "cron(0 5 1 * ? *)", envByName(t, "production").Config.Backup.RestoreTestSchedule)
	assert.Equal(t, "cron(0 5 ? * SAT *)", envByName(t, "staging").Config.Backup.RestoreTestSchedule)
}

func TestRestoreTestingSelectsExactlyTheDatabaseAndTheUploadsBucket(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Resilience.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::Backup::RestoreTestingSelection"), jsii.Number(2))
		roleID, _ := onlyRole(t, env, "RestoreTestRole")
		db, bucket := selection(t, env, "RDS"), selection(t, env, "S3")
		for _, s := range []map[string]any{db, bucket} {
			assert.EqualValues(t, env.Config.Backup.RestoreTestValidationHours, s["ValidationWindowHours"])
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}, s["IamRoleArn"])
			require.Len(t, s["ProtectedResourceArns"], 1, "exact ARNs, no wildcard")
			assert.NotContains(t, s, "ProtectedResourceConditions")
		}
		dbArn := db["ProtectedResourceArns"].([]any)[0]
		assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{
			"arn:aws:rds:" + env.Config.Region + ":" + env.Config.Account + ":db:",
			map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": env.Config.StageName + "-Data", "Region": env.Config.Region,
				"OutputName": "PublishOutputRefDatabaseInstanceAA8A5FDE96074C11"}},
		}}}, dbArn, "the writer, not a replica")
		assert.Equal(t, []string{"PublishOutputFnGetAttStorageUploadsBDC5E374Arn3BCF50BA"}, stackOutputNames(bucket["ProtectedResourceArns"]))
		assert.NotContains(t, bucket, "RestoreMetadataOverrides", "S3 restores into a new awsbackup-restore-test- bucket")
	})
}

func TestRestoredDatabaseLandsInIsolatedSubnetsBehindAGroupThatAdmitsNothing(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		sgID, sg := onlyResource(t, env, "AWS::EC2::SecurityGroup")
		subnetGroupID, subnets := onlyResource(t, env, "AWS::RDS::DBSubnetGroup")
		overrides := selection(t, env, "RDS")["RestoreMetadataOverrides"].(map[string]any)
		assert.Equal(t, map[string]any{
			"dbsubnetgroupname":   map[string]any{"Ref": subnetGroupID},
			"vpcsecuritygroupids": map[string]any{"Fn::Join": []any{"", []any{`["`, map[string]any{"Fn::GetAtt": []any{sgID, "GroupId"}}, `"]`}}},
		}, overrides)
		names := stackOutputNames(subnets["SubnetIds"])
		require.Len(t, names, len(env.Config.AvailabilityZones))
		for _, n := range names {
			assert.Contains(t, n, "isolatedSubnet", "isolated subnets only: no route out of the VPC")
		}
		assert.NotContains(t, sg, "SecurityGroupIngress")
		assert.Equal(t, []any{map[string]any{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
			"FromPort": float64(252), "IpProtocol": "icmp", "ToPort": float64(86)}}, sg["SecurityGroupEgress"], "no egress")
		// No stack of the environment opens the group: no ingress from the API or anyone.
		for _, stack := range stacksOf(env) {
			for id, r := range resourcesOf(stack, "AWS::EC2::SecurityGroupIngress") {
				assert.NotContains(t, stackOutputNames(r["Properties"]), "RestoreTestRestoredDatabaseSecurityGroup", id)
				assert.NotContains(t, strings.Join(refsIn(r["Properties"]), " "), sgID, id)
			}
		}
	})
}

func TestRestoreRoleRestoresAndDecryptsTheRecoveryPointsOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		_, role := onlyRole(t, env, "RestoreTestRole")
		assert.Equal(t, []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"Service": "backup.amazonaws.com"}}}, role["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
		assert.ElementsMatch(t, []any{
			map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}}},
			map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"}}},
		}, role["ManagedPolicyArns"], "restore policies only: no backup policy")
		statements := statementsOf(t, env.Resilience.Stack, "RestoreTestRole")
		require.Len(t, statements, 1)
		r := env.Config.Region
		assert.Equal(t, map[string]any{
			"Sid": "DecryptRecoveryPoints", "Effect": "Allow",
			"Action":    []any{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"},
			"Resource":  map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": env.Config.StageName + "-Data", "Region": r, "OutputName": "PublishOutputFnGetAttKey961B73FDArn43BC6B29"}},
			"Condition": map[string]any{"StringLike": map[string]any{"kms:ViaService": []any{"rds." + r + ".amazonaws.com", "s3." + r + ".amazonaws.com", "backup." + r + ".amazonaws.com"}}},
		}, statements[0])
	})
}

func TestFailedRestoreJobNotifiesTheAlarmTopic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		_, rule := resourceWithPrefix(t, env, "AWS::Events::Rule", "RestoreTestFailedRestores")
		assert.Equal(t, env.Config.StageName+"-RestoreJobFailed", rule["Name"])
		assert.Equal(t, "ENABLED", rule["State"])
		assert.Equal(t, map[string]any{
			"source": []any{"aws.backup"}, "detail-type": []any{"Restore Job State Change"},
			"detail": map[string]any{"status": []any{"FAILED"}},
		}, rule["EventPattern"])
		targets := rule["Targets"].([]any)
		require.Len(t, targets, 1)
		target := targets[0].(map[string]any)
		assert.Equal(t, map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": env.Config.StageName + "-Data", "Region": env.Config.Region,
			"OutputName": "PublishOutputRefAlarmTopicC216417028A67DB1"}}, target["Arn"], "the environment's alarm topic")
		assert.Contains(t, target["InputTransformer"].(map[string]any)["InputTemplate"], "<job>")
	})
}

// The topic policy replaced SNS's default one and the topic is encrypted: without both
// statements the rule would fire into nothing (the class of bug the last review found).
func TestAlarmTopicAndItsKeyAdmitExactlyTheFailedRestoreRule(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		ruleArn := "arn:aws:events:" + env.Config.Region + ":" + env.Config.Account + ":rule/" + env.Config.StageName + "-RestoreJobFailed"
		_, rule := resourceWithPrefix(t, env, "AWS::Events::Rule", "RestoreTestFailedRestores")
		require.Equal(t, ruleArn, "arn:aws:events:"+env.Config.Region+":"+env.Config.Account+":rule/"+rule["Name"].(string))
		condition := map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": env.Config.Account},
			"ArnEquals":    map[string]any{"aws:SourceArn": ruleArn},
		}
		events := map[string]any{"Service": "events.amazonaws.com"}
		topic := topicID(t, env.Data.Stack)
		publish := statementWithSid(t, policyStatements(env.Data.Stack, "AWS::SNS::TopicPolicy", "PolicyDocument"), "AllowFailedRestoreRuleToPublish")
		assert.Equal(t, map[string]any{"Sid": "AllowFailedRestoreRuleToPublish", "Effect": "Allow", "Principal": events,
			"Action": "sns:Publish", "Resource": map[string]any{"Ref": topic}, "Condition": condition}, publish)
		encrypt := statementWithSid(t, policyStatements(env.Data.Stack, "AWS::KMS::Key", "KeyPolicy"), "AllowFailedRestoreRuleToEncrypt")
		assert.Equal(t, map[string]any{"Sid": "AllowFailedRestoreRuleToEncrypt", "Effect": "Allow", "Principal": events,
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*", "Condition": condition}, encrypt)
		// In the topic's own key, next to CloudWatch's statement.
		for id, r := range resourcesOf(env.Data.Stack, "AWS::KMS::Key") {
			sids := sidsOf(r["Properties"].(map[string]any)["KeyPolicy"])
			assert.Equal(t, contains(sids, "AllowCloudWatchAlarmsToPublish"), contains(sids, "AllowFailedRestoreRuleToEncrypt"), id)
		}
	})
}
