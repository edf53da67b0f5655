package stacks_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/faults"
	"github.com/garcon/infrastructure/stacks"
)

// onlyRole returns the logical id and properties of the one role of the Resilience stack
// whose logical id starts with prefix.
func onlyRole(t *testing.T, env *stacks.Environment, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range resourcesOf(env.Resilience.Stack, "AWS::IAM::Role") {
		if strings.HasPrefix(id, prefix) {
			return id, r["Properties"].(map[string]any)
		}
	}
	require.Fail(t, "no role "+prefix)
	return "", nil
}

// templates maps experiment name to template properties.
func templatesOf(t *testing.T, env *stacks.Environment) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range resourcesOf(env.Resilience.Stack, "AWS::FIS::ExperimentTemplate") {
		props := r["Properties"].(map[string]any)
		out[props["Tags"].(map[string]any)[faults.ExperimentTag].(string)] = props
	}
	return out
}

// refsIn lists the logical ids value refers to with Ref or Fn::GetAtt.
func refsIn(value any) []string {
	var out []string
	switch v := value.(type) {
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok {
			out = append(out, ref)
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok {
			out = append(out, att[0].(string))
		}
		for _, inner := range v {
			out = append(out, refsIn(inner)...)
		}
	case []any:
		for _, inner := range v {
			out = append(out, refsIn(inner)...)
		}
	}
	return out
}

// policyStatements lists the statements of every resource of typ in stack, in its
// document property.
func policyStatements(stack awscdk.Stack, typ, property string) []map[string]any {
	var out []map[string]any
	for _, r := range resourcesOf(stack, typ) {
		doc := r["Properties"].(map[string]any)[property].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

func statementWithSid(t *testing.T, statements []map[string]any, sid string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, st := range statements {
		if st["Sid"] == sid {
			found = append(found, st)
		}
	}
	require.Len(t, found, 1, "one statement %s", sid)
	return found[0]
}

func sidsOf(doc any) []string {
	var out []string
	for _, st := range doc.(map[string]any)["Statement"].([]any) {
		if sid, ok := st.(map[string]any)["Sid"].(string); ok {
			out = append(out, sid)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// output is a weak reference to an output of another stack of env.
func output(env *stacks.Environment, stack, region, name string) map[string]any {
	return map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": env.Config.StageName + "-" + stack, "Region": region, "OutputName": name}}
}

func TestResilienceStackHoldsNoDataAndIsDestroyable(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for id, r := range templateResources(env.Resilience.Stack) {
			assert.NotContains(t, []any{"Retain", "Snapshot", "RetainExceptOnCreate"}, r["DeletionPolicy"], id)
			assert.NotContains(t, stacks.StatefulResourceTypes, r["Type"], id)
		}
		// The experiments' and the restore validation's log groups.
		logGroups := resourcesOf(env.Resilience.Stack, "AWS::Logs::LogGroup")
		require.Len(t, logGroups, 2)
		for id, r := range logGroups {
			logs := r["Properties"].(map[string]any)
			assert.EqualValues(t, env.Config.Logs.RetentionDays, logs["RetentionInDays"], id)
			assert.Equal(t, output(env, "Data", env.Config.Region, "PublishOutputFnGetAttKey961B73FDArn43BC6B29"), logs["KmsKeyId"], "%s: encrypted with the environment key", id)
		}
	})
}

func TestExperimentTemplatesFollowWhatTheEnvironmentCanFailOver(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		want := []string{faults.DatabaseFailover, faults.StopTasks}
		if env.Config.Cache.Replicas > 0 {
			want = append(want, faults.RedisFailover)
		}
		if env.Config.Faults.AZPowerInterruption {
			want = append(want, faults.AZPower)
		}
		var got []string
		for name := range templatesOf(t, env) {
			got = append(got, name)
		}
		assert.ElementsMatch(t, want, got)
	})
	assert.Len(t, templatesOf(t, envByName(t, "production")), 4, "production has the Redis and the zone experiments")
	assert.Len(t, templatesOf(t, envByName(t, "staging")), 2, "staging has no Redis replica to fail over to")
}

func TestEveryExperimentStopsOnTheAPIAlarmsAndLogs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		roleID, _ := onlyRole(t, env, "FaultsRole")
		logsID, _ := resourceWithPrefix(t, env, "AWS::Logs::LogGroup", "FaultsLogs")
		for name, tpl := range templatesOf(t, env) {
			assert.Equal(t, []any{
				map[string]any{"Source": "aws:cloudwatch:alarm", "Value": output(env, "Service", env.Config.Region, "PublishOutputFnGetAttApiHttp5xxRateAlarm2FEFDE33ArnE6D70839")},
				// Alarms of the experiment's own region only: FIS documents no stop
				// condition in another region (the probe's us-east-1 alarm is watched by
				// the game-day workflow instead).
				map[string]any{"Source": "aws:cloudwatch:alarm", "Value": output(env, "Service", env.Config.Region, "PublishOutputFnGetAttApiUnhealthyTargetsAlarm70972F85ArnA3ACB1C7")},
			}, tpl["StopConditions"], name)
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}, tpl["RoleArn"], name)
			assert.Equal(t, map[string]any{"LogSchemaVersion": float64(2), "CloudWatchLogsConfiguration": map[string]any{
				"LogGroupArn": map[string]any{"Fn::GetAtt": []any{logsID, "Arn"}}}}, tpl["LogConfiguration"], name)
			assert.Equal(t, map[string]any{"EmptyTargetResolutionMode": "fail"}, tpl["ExperimentOptions"], name)
			tags := tpl["Tags"].(map[string]any)
			assert.Equal(t, env.Config.Name, tags["environment"], name)
			assert.Equal(t, "garcon-"+env.Config.Name+"-"+name, tags["Name"], name)
		}
	})
}

var (
	apiTasksTarget = func(env *stacks.Environment) map[string]any {
		return map[string]any{
			"ResourceType": "aws:ecs:task", "SelectionMode": "PERCENT(" + strconv.Itoa(env.Config.Faults.StopTaskPercent) + ")",
			"Parameters": map[string]any{
				"cluster": output(env, "Service", env.Config.Region, "PublishOutputRefApiCluster381548366809D94F"),
				"service": output(env, "Service", env.Config.Region, "PublishOutputFnGetAttApiServiceD5B4A50ANameD65A11D1"),
			},
		}
	}
	writerTarget = func(env *stacks.Environment) map[string]any {
		return map[string]any{"ResourceType": "aws:rds:db", "SelectionMode": "ALL", "ResourceArns": []any{map[string]any{"Fn::Join": []any{"", []any{
			"arn:aws:rds:" + env.Config.Region + ":" + env.Config.Account + ":db:",
			output(env, "Data", env.Config.Region, "PublishOutputRefDatabaseInstanceAA8A5FDE96074C11")}}}}}
	}
	redisTarget = func(env *stacks.Environment) map[string]any {
		return map[string]any{"ResourceType": "aws:elasticache:replicationgroup", "SelectionMode": "ALL",
			"Parameters": map[string]any{"availabilityZoneIdentifier": env.Config.AvailabilityZones[0]},
			"ResourceArns": []any{map[string]any{"Fn::Join": []any{"", []any{"arn:aws:elasticache:" + env.Config.Region + ":" + env.Config.Account + ":replicationgroup:",
				output(env, "Data", env.Config.Region, "PublishOutputRefCacheReplicationGroupBFE59FF3C7EBD28E")}}}}}
	}
	stopTasksAction = map[string]any{"ActionId": "aws:ecs:stop-task", "Description": "stop the selected API tasks", "Targets": map[string]any{"Tasks": "ApiTasks"}}
	rebootAction    = func(failover bool) map[string]any {
		return map[string]any{"ActionId": "aws:rds:reboot-db-instances", "Description": "reboot the writer",
			"Parameters": map[string]any{"forceFailover": map[bool]string{true: "true", false: "false"}[failover]},
			"Targets":    map[string]any{"DBInstances": "Writer"}}
	}
	redisAction = func(env *stacks.Environment) map[string]any {
		return map[string]any{"ActionId": "aws:elasticache:replicationgroup-interrupt-az-power", "Description": "cut the power of the Redis nodes in the zone",
			"Parameters": map[string]any{"duration": "PT" + strconv.Itoa(env.Config.Faults.InterruptMinutes) + "M"},
			"Targets":    map[string]any{"ReplicationGroups": "Redis"}}
	}
)

func TestEachExperimentsTargetsAndActions(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		all := templatesOf(t, env)
		stop, db := all[faults.StopTasks], all[faults.DatabaseFailover]
		assert.Equal(t, map[string]any{"ApiTasks": apiTasksTarget(env)}, stop["Targets"])
		assert.Equal(t, map[string]any{"StopTasks": stopTasksAction}, stop["Actions"])
		assert.Equal(t, map[string]any{"Writer": writerTarget(env)}, db["Targets"])
		// A forced failover only where there is a standby: RDS refuses it otherwise.
		assert.Equal(t, map[string]any{"RebootWriter": rebootAction(env.Config.Database.MultiAZ)}, db["Actions"])
		if redis, ok := all[faults.RedisFailover]; ok {
			assert.Equal(t, map[string]any{"Redis": redisTarget(env)}, redis["Targets"])
			assert.Equal(t, map[string]any{"InterruptRedisZone": redisAction(env)}, redis["Actions"])
		}
		if az, ok := all[faults.AZPower]; ok {
			assert.Equal(t, map[string]any{"ApiTasks": apiTasksTarget(env), "Writer": writerTarget(env), "Redis": redisTarget(env)}, az["Targets"])
			assert.Equal(t, map[string]any{"StopTasks": stopTasksAction, "RebootWriter": rebootAction(true), "InterruptRedisZone": redisAction(env)}, az["Actions"])
		}
	})
	assert.True(t, envByName(t, "production").Config.Database.MultiAZ, "production's database experiment forces a failover")
}

func TestExperimentRoleMayActOnlyOnThisEnvironmentsResources(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		_, role := onlyRole(t, env, "FaultsRole")
		r, a := env.Config.Region, env.Config.Account
		assert.Equal(t, []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"Service": "fis.amazonaws.com"},
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": a},
				"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:fis:" + r + ":" + a + ":experiment/*"},
			}}}, role["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
		assert.NotContains(t, role, "ManagedPolicyArns")
		cluster := output(env, "Service", r, "PublishOutputRefApiCluster381548366809D94F")
		want := []any{
			map[string]any{"Sid": "StopApiTasks", "Effect": "Allow", "Action": []any{"ecs:DescribeTasks", "ecs:StopTask"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:ecs:" + r + ":" + a + ":task/", cluster, "/*"}}}},
			map[string]any{"Sid": "ListApiTasks", "Effect": "Allow", "Action": "ecs:ListTasks", "Resource": "*",
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:ecs:" + r + ":" + a + ":cluster/", cluster}}}}}},
			map[string]any{"Sid": "RebootWriter", "Effect": "Allow", "Action": []any{"rds:DescribeDBInstances", "rds:RebootDBInstance"},
				"Resource": writerTarget(env)["ResourceArns"].([]any)[0]},
			map[string]any{"Sid": "DeliverExperimentLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogDelivery", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"}, "Resource": "*"},
			map[string]any{"Sid": "FindExperimentLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "arn:aws:logs:" + r + ":" + a + ":log-group:*"},
		}
		if env.Config.Cache.Replicas > 0 {
			want = append(want,
				map[string]any{"Sid": "InterruptRedisZone", "Effect": "Allow", "Action": []any{"elasticache:DescribeReplicationGroups", "elasticache:InterruptClusterAzPower"},
					"Resource": redisTarget(env)["ResourceArns"].([]any)[0]},
				map[string]any{"Sid": "ResolveRedisTargets", "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*"})
		}
		got := statementsOf(t, env.Resilience.Stack, "FaultsRole")
		gotAny := make([]any, len(got))
		for i, st := range got {
			gotAny[i] = st
		}
		sort.Slice(gotAny, func(i, j int) bool {
			return gotAny[i].(map[string]any)["Sid"].(string) < gotAny[j].(map[string]any)["Sid"].(string)
		})
		sort.Slice(want, func(i, j int) bool {
			return want[i].(map[string]any)["Sid"].(string) < want[j].(map[string]any)["Sid"].(string)
		})
		assert.Equal(t, want, gotAny)
	})
}
