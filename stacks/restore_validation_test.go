package stacks_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/restoretest"
	"github.com/garcon/infrastructure/stacks"
)

// resourceWithPrefix returns the logical id and properties of the one resource of typ in
// the Resilience stack whose logical id starts with prefix.
func resourceWithPrefix(t *testing.T, env *stacks.Environment, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var ids []string
	var props map[string]any
	for id, r := range resourcesOf(env.Resilience.Stack, typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
			props, _ = r["Properties"].(map[string]any)
		}
	}
	require.Len(t, ids, 1, "one %s %s*", typ, prefix)
	return ids[0], props
}

func getAtt(id, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attribute}}
}

// AWS Backup's documented validation hook: a rule on the plan's COMPLETED restore jobs.
func TestCompletedRestoresOfThePlanInvokeTheValidation(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		planID, _ := resourceWithPrefix(t, env, "AWS::Backup::RestoreTestingPlan", "RestoreTestPlan")
		fnID, _ := resourceWithPrefix(t, env, "AWS::Lambda::Function", "RestoreTestValidation")
		ruleID, rule := resourceWithPrefix(t, env, "AWS::Events::Rule", "RestoreTestCompletedRestores")
		assert.Equal(t, "ENABLED", rule["State"])
		assert.Equal(t, map[string]any{
			"source": []any{"aws.backup"}, "detail-type": []any{"Restore Job State Change"},
			"detail": map[string]any{"status": []any{"COMPLETED"}, "restoreTestingPlanArn": []any{getAtt(planID, "RestoreTestingPlanArn")}},
		}, rule["EventPattern"])
		assert.Equal(t, []any{map[string]any{"Id": "Target0", "Arn": getAtt(fnID, "Arn")}}, rule["Targets"])
		_, permission := resourceWithPrefix(t, env, "AWS::Lambda::Permission", "RestoreTestCompletedRestores")
		assert.Equal(t, map[string]any{"Action": "lambda:InvokeFunction", "FunctionName": getAtt(fnID, "Arn"),
			"Principal": "events.amazonaws.com", "SourceArn": getAtt(ruleID, "Arn")}, permission, "this rule only")
	})
}

func TestValidationFunctionRunsTheEmbeddedCodeOutsideTheVpc(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		fnID, fn := resourceWithPrefix(t, env, "AWS::Lambda::Function", "RestoreTestValidation")
		roleID, _ := onlyRole(t, env, "RestoreTestValidationRole")
		logsID, _ := resourceWithPrefix(t, env, "AWS::Logs::LogGroup", "RestoreTestValidationLogs")
		sgID, _ := resourceWithPrefix(t, env, "AWS::EC2::SecurityGroup", "RestoreTestRestoredDatabaseSecurityGroup")
		subnetsID, _ := resourceWithPrefix(t, env, "AWS::RDS::DBSubnetGroup", "RestoreTestRestoredDatabaseSubnets")
		planID, _ := resourceWithPrefix(t, env, "AWS::Backup::RestoreTestingPlan", "RestoreTestPlan")
		assert.Equal(t, "python3.13", fn["Runtime"])
		assert.Equal(t, "index.handler", fn["Handler"])
		assert.EqualValues(t, 60, fn["Timeout"])
		assert.Equal(t, map[string]any{"ZipFile": restoretest.ValidationCode}, fn["Code"], "validate.py, inline")
		assert.Equal(t, getAtt(roleID, "Arn"), fn["Role"])
		assert.Equal(t, map[string]any{"LogGroup": map[string]any{"Ref": logsID}}, fn["LoggingConfig"], "its own log group, not the aspect's")
		assert.Equal(t, map[string]any{"Variables": map[string]any{
			"PLAN_ARN":       getAtt(planID, "RestoreTestingPlanArn"),
			"SUBNET_GROUP":   map[string]any{"Ref": subnetsID},
			"SECURITY_GROUP": getAtt(sgID, "GroupId"),
		}}, fn["Environment"])
		assert.NotContains(t, fn, "VpcConfig", "API calls only")
		_, invoke := resourceWithPrefix(t, env, "AWS::Lambda::EventInvokeConfig", "RestoreTestValidation")
		assert.Equal(t, map[string]any{"FunctionName": map[string]any{"Ref": fnID}, "MaximumRetryAttempts": 0.0, "Qualifier": "$LATEST"}, invoke,
			"not retried: a validation status cannot be changed")
	})
}

// The role may look at the restored copies' configuration and report: no key, no
// object read, no database connection, no secret, so nothing of the backed-up data.
func TestValidationRoleSeesOnlyTheRestoredCopiesConfiguration(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		_, role := onlyRole(t, env, "RestoreTestValidationRole")
		assert.Equal(t, []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"Service": "lambda.amazonaws.com"}}}, role["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
		assert.NotContains(t, role, "ManagedPolicyArns", "no AWSLambdaBasicExecutionRole: its logs statement is scoped")
		logsID, _ := resourceWithPrefix(t, env, "AWS::Logs::LogGroup", "RestoreTestValidationLogs")
		prefix := "arn:aws:rds:" + env.Config.Region + ":" + env.Config.Account + ":db:awsbackup-restore-test-*"
		assert.Equal(t, []map[string]any{
			{"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": getAtt(logsID, "Arn")},
			{"Sid": "ReportRestoreValidation", "Effect": "Allow", "Action": []any{"backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"}, "Resource": "*"},
			{"Sid": "DescribeRestoredDatabases", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": prefix},
			{"Sid": "ListRestoredBuckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::awsbackup-restore-test-*"},
		}, statementsOf(t, env.Resilience.Stack, "RestoreTestValidationRole"))
	})
}

// AWS Backup documents no event for a validation result, so the failed-restore rule
// cannot see a FAILED validation: the function fails after reporting it, and an alarm
// on its errors notifies the topic, which admits the stage's alarms by name.
func TestFailedValidationAlarmsTheTopic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		fnID, _ := resourceWithPrefix(t, env, "AWS::Lambda::Function", "RestoreTestValidation")
		alarm := alarmWith(t, env.Resilience.Stack, "RestoreTestValidationFailed")
		assert.Equal(t, env.Config.StageName+"-RestoreValidationFailed", alarm["AlarmName"])
		assert.Equal(t, "AWS/Lambda", alarm["Namespace"])
		assert.Equal(t, "Errors", alarm["MetricName"])
		assert.Equal(t, []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fnID}}}, alarm["Dimensions"])
		assert.Equal(t, "Sum", alarm["Statistic"])
		assert.EqualValues(t, 1, alarm["Threshold"])
		assert.Equal(t, "GreaterThanOrEqualToThreshold", alarm["ComparisonOperator"])
		assert.Equal(t, []any{output(env, "Data", env.Config.Region, "PublishOutputRefAlarmTopicC216417028A67DB1")}, alarm["AlarmActions"])
	})
}
