package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

// alarmsOf returns the alarms of a stack's template by logical id.
func alarmsOf(stack awscdk.Stack) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, raw := range *templateOf(stack).FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil) {
		out[id] = (*raw)["Properties"].(map[string]any)
	}
	return out
}

// alarmsWith returns the alarms whose logical id starts with prefix.
func alarmWith(t *testing.T, stack awscdk.Stack, prefix string) map[string]any {
	t.Helper()
	var found []map[string]any
	for id, props := range alarmsOf(stack) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, props)
		}
	}
	require.Len(t, found, 1, "one alarm %s* in %s", prefix, *stack.StackName())
	return found[0]
}

func TestAlarmTopicsAreEncryptedAndSubscribed(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range []awscdk.Stack{env.Data.Stack, env.Edge.Stack} {
			tpl := templateOf(stack)
			tpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(1))
			tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
				"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{regexp("^AlarmTopicKey"), "Arn"}},
			})
			for _, email := range env.Config.Alarms.Emails {
				tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": email})
			}
			tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
				"KeyPolicy": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{
					"Sid": "AllowCloudWatchAlarmsToPublish", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				}))}),
			})
		}
	})
}

// Every alarm of every stack notifies the environment's topic of its region on ALARM and
// on OK, and says how it treats missing data.
func TestEveryAlarmHasActionsAndMissingDataTreatment(t *testing.T) {
	for _, stack := range allStacks() {
		for id, props := range alarmsOf(stack) {
			assert.NotEmpty(t, props["AlarmActions"], "%s/%s has no alarm action", *stack.StackName(), id)
			assert.Equal(t, props["AlarmActions"], props["OKActions"], "%s/%s must notify recovery too", *stack.StackName(), id)
			topic := props["AlarmActions"].([]any)[0]
			if outputs := stackOutputNames(topic); len(outputs) == 1 {
				assert.Contains(t, outputs[0], "AlarmTopic", "%s/%s notifies the Data stack's topic", *stack.StackName(), id)
			} else {
				assert.Equal(t, map[string]any{"Ref": topicID(t, stack)}, topic, "%s/%s", *stack.StackName(), id)
			}
			assert.Contains(t, []any{"breaching", "notBreaching"}, props["TreatMissingData"], "%s/%s", *stack.StackName(), id)
			assert.NotEmpty(t, props["AlarmDescription"], "%s/%s says what to do", *stack.StackName(), id)
		}
	}
}

func topicID(t *testing.T, stack awscdk.Stack) string {
	t.Helper()
	topics := *templateOf(stack).FindResources(jsii.String("AWS::SNS::Topic"), nil)
	require.Len(t, topics, 1, "%s has its own topic", *stack.StackName())
	for id := range topics {
		return id
	}
	return ""
}

func TestAPIAlarms(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		svc := env.Service.Stack
		p99 := alarmWith(t, svc, "ApiAlarmsP99Latency")
		assert.Equal(t, "TargetResponseTime", p99["MetricName"])
		assert.Equal(t, "p99", p99["ExtendedStatistic"])
		assert.InDelta(t, float64(env.Config.Alarms.P99LatencyMillis)/1000, p99["Threshold"], 1e-9)

		healthy := alarmWith(t, svc, "ApiAlarmsHealthyHostsBelowMinimum")
		healthyMetric, _ := json.Marshal(healthy)
		assert.Contains(t, string(healthyMetric), `"MetricName":"HealthyHostCount"`)
		assert.EqualValues(t, env.Config.Service.MinTasks, healthy["Threshold"])
		assert.Equal(t, "LessThanThreshold", healthy["ComparisonOperator"])
		assert.Equal(t, "breaching", healthy["TreatMissingData"])

		running := alarmWith(t, svc, "ApiAlarmsRunningTasksBelowDesired")
		expr, _ := json.Marshal(running["Metrics"])
		assert.Contains(t, string(expr), "desired - running")
		assert.Contains(t, string(expr), "RunningTaskCount")
		assert.Contains(t, string(expr), "DesiredTaskCount")

		assert.Equal(t, "CPUUtilization", alarmWith(t, svc, "ApiAlarmsCpu")["MetricName"])
		assert.Equal(t, "MemoryUtilization", alarmWith(t, svc, "ApiAlarmsMemory")["MetricName"])

		rate := alarmWith(t, svc, "ApiHttp5xxRateAlarm")
		expr, _ = json.Marshal(rate["Metrics"])
		assert.Contains(t, string(expr), "100 * (elb5xx + target5xx) / requests")
		assert.Contains(t, string(expr), "HTTPCode_ELB_5XX_Count")
		assert.Contains(t, string(expr), "HTTPCode_Target_5XX_Count")
		assert.Equal(t, env.Config.Alarms.HTTP5xxPercent, rate["Threshold"])
		unhealthy, _ := json.Marshal(alarmWith(t, svc, "ApiUnhealthyTargetsAlarm"))
		assert.Contains(t, string(unhealthy), "UnHealthyHostCount")

		waf := alarmWith(t, svc, "WafBlockedSpike")
		assert.Equal(t, "BlockedRequests", waf["MetricName"])
		assert.EqualValues(t, env.Config.Alarms.WafBlockedPer5Minutes, waf["Threshold"])
		assert.Contains(t, waf["Dimensions"], map[string]any{"Name": "WebACL", "Value": "garcon-" + env.Config.Name + "-api-acl"})
	})
}

func TestDatabaseAlarms(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		data := env.Data.Stack
		for prefix, metric := range map[string]string{
			"DatabaseAlarmsCpu": "CPUUtilization", "DatabaseAlarmsFreeStorage": "FreeStorageSpace",
			"DatabaseAlarmsFreeableMemory": "FreeableMemory", "DatabaseAlarmsConnections": "DatabaseConnections",
			"DatabaseAlarmsReadLatency": "ReadLatency", "DatabaseAlarmsWriteLatency": "WriteLatency",
		} {
			alarm := alarmWith(t, data, prefix)
			assert.Equal(t, metric, alarm["MetricName"], prefix)
			assert.Equal(t, "AWS/RDS", alarm["Namespace"], prefix)
			assert.Contains(t, alarm["Dimensions"], map[string]any{"Name": "DBInstanceIdentifier", "Value": map[string]any{"Ref": "DatabaseInstanceAA8A5FDE"}})
		}
		assert.EqualValues(t, env.Config.Alarms.DatabaseConnections, alarmWith(t, data, "DatabaseAlarmsConnections")["Threshold"])
		assert.EqualValues(t, float64(env.Config.Alarms.DatabaseFreeStorageGiB)*(1<<30), alarmWith(t, data, "DatabaseAlarmsFreeStorage")["Threshold"])
		for i := 1; i <= env.Config.Database.ReadReplicas; i++ {
			lag := alarmWith(t, data, "DatabaseAlarmsReplica1Lag")
			assert.Equal(t, "ReplicaLag", lag["MetricName"])
			assert.Contains(t, lag["Dimensions"], map[string]any{"Name": "DBInstanceIdentifier", "Value": map[string]any{"Ref": "DatabaseReplica1ED560A1F"}})
		}
	})
}

func TestCacheAlarmsWatchTheWorstNode(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		nodes := 1 + env.Config.Cache.Replicas
		for prefix, metric := range map[string]string{
			"CacheAlarmsEngineCpu": "EngineCPUUtilization", "CacheAlarmsMemory": "DatabaseMemoryUsagePercentage",
			"CacheAlarmsEvictions": "Evictions", "CacheAlarmsConnections": "CurrConnections",
		} {
			alarm := alarmWith(t, env.Data.Stack, prefix)
			metrics := alarm["Metrics"].([]any)
			assert.Len(t, metrics, nodes+1, "%s: one metric per node plus MAX", prefix)
			raw, _ := json.Marshal(metrics)
			assert.Equal(t, nodes, strings.Count(string(raw), `"MetricName":"`+metric+`"`), prefix)
			assert.Contains(t, string(raw), `"Expression":"MAX([`, prefix)
		}
		_, hasLag := func() (map[string]any, bool) {
			for id, p := range alarmsOf(env.Data.Stack) {
				if strings.HasPrefix(id, "CacheAlarmsReplicationLag") {
					return p, true
				}
			}
			return nil, false
		}()
		assert.Equal(t, nodes > 1, hasLag, "replication lag is watched when there are replicas")
	})
}

func TestEdgeAndAvailabilityAlarms(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		edge := env.Edge.Stack
		cf := alarmWith(t, edge, "CloudFront5xxRate")
		assert.Equal(t, "5xxErrorRate", cf["MetricName"])
		assert.Contains(t, cf["Dimensions"], map[string]any{"Name": "Region", "Value": "Global"})
		waf := alarmWith(t, edge, "WafBlockedSpike")
		assert.NotContains(t, waf["Dimensions"], map[string]any{"Name": "Region"}, "CLOUDFRONT-scope metrics have no Region")

		tpl := templateOf(edge)
		tpl.HasResourceProperties(jsii.String("AWS::Route53::HealthCheck"), map[string]any{
			"HealthCheckConfig": objectLike(map[string]any{
				"Type": "HTTPS", "FullyQualifiedDomainName": env.Config.APIDomain(), "ResourcePath": "/health", "Port": 443,
			}),
		})
		probe := alarmWith(t, edge, "ApiProbeAlarm")
		assert.Equal(t, "HealthCheckStatus", probe["MetricName"])
		assert.Equal(t, "AWS/Route53", probe["Namespace"])
		assert.Equal(t, "breaching", probe["TreatMissingData"])
	})
}

func TestMenuViewsDropIsAnAnomalyDetectionAlarm(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		alarm := alarmWith(t, env.Service.Stack, "MenuViewsDrop")
		assert.Equal(t, "LessThanLowerThreshold", alarm["ComparisonOperator"])
		raw, _ := json.Marshal(alarm["Metrics"])
		assert.Contains(t, string(raw), "ANOMALY_DETECTION_BAND")
		assert.Contains(t, string(raw), `"MetricName":"MenuViews","Namespace":"Garcon"`)
		assert.Contains(t, string(raw), `{"Name":"Environment","Value":"`+env.Config.Name+`"}`)
		want := "notBreaching"
		if env.Config.IsProtected() {
			want = "breaching"
		}
		assert.Equal(t, want, alarm["TreatMissingData"])
	})
}

func TestEveryLogGroupHasRetention(t *testing.T) {
	for _, stack := range allStacks() {
		tpl := templateOf(stack)
		logGroups := *tpl.FindResources(jsii.String("AWS::Logs::LogGroup"), nil)
		for id, raw := range logGroups {
			assert.NotNil(t, (*raw)["Properties"].(map[string]any)["RetentionInDays"], "%s/%s has no retention", *stack.StackName(), id)
		}
		// Every Lambda function logs to a log group of this template (with retention).
		for id, raw := range *tpl.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
			cfg, _ := (*raw)["Properties"].(map[string]any)["LoggingConfig"].(map[string]any)
			require.NotNil(t, cfg, "%s/%s logs to an unmanaged group", *stack.StackName(), id)
			ref := cfg["LogGroup"].(map[string]any)["Ref"].(string)
			assert.Contains(t, logGroups, ref, "%s/%s", *stack.StackName(), id)
		}
		// Log groups RDS creates get their retention from CDK's LogRetention resource.
		for id, raw := range *tpl.FindResources(jsii.String("Custom::LogRetention"), nil) {
			assert.NotNil(t, (*raw)["Properties"].(map[string]any)["RetentionInDays"], "%s/%s", *stack.StackName(), id)
		}
	}
	// The rotation function is deployed by a serverless application: its group is made first.
	for _, env := range envs {
		tpl := templateOf(env.Data.Stack)
		tpl.HasResource(jsii.String("AWS::Serverless::Application"), map[string]any{"DependsOn": arrayWith(regexp("^DatabaseRotationLogs"))})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"LogGroupName": regexp("^/aws/lambda/" + env.Config.StageName + "DataDatabaseInstanceRotationSingleUser"),
		})
	}
}

func TestApplicationLogsAreEncryptedWithTheEnvironmentKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		for _, prefix := range []string{"ApiLogs", "WafLogs"} {
			found := false
			for id, raw := range *tpl.FindResources(jsii.String("AWS::Logs::LogGroup"), nil) {
				if strings.HasPrefix(id, prefix) {
					found = true
					assert.Len(t, stackOutputNames((*raw)["Properties"].(map[string]any)["KmsKeyId"]), 1, "%s uses the Data stack's key", id)
				}
			}
			assert.True(t, found, prefix)
		}
		templateOf(env.Data.Stack).HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
			"KeyPolicy": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{
				"Sid":       "AllowCloudWatchLogsOfThisAccount",
				"Principal": map[string]any{"Service": "logs." + env.Config.Region + ".amazonaws.com"},
			}))}),
		})
	})
}

func TestDashboardShowsEveryTier(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
		var body string
		for _, raw := range *tpl.FindResources(jsii.String("AWS::CloudWatch::Dashboard"), nil) {
			b, _ := json.Marshal((*raw)["Properties"].(map[string]any)["DashboardBody"])
			body = string(b)
		}
		for what, needle := range map[string]string{
			"load balancer":  "AWS/ApplicationELB",
			"target group":   "TargetResponseTime",
			"ECS service":    "AWS/ECS",
			"database":       "AWS/RDS",
			"writer":         "DatabaseInstanceAA8A5FDE",
			"cache":          "AWS/ElastiCache",
			"CDN":            "AWS/CloudFront",
			"KPI menu views": "MenuViews",
			"KPI updates":    "MenuUpdates",
			"KPI uploads":    "UploadsRequested",
			"alarm status":   `\"type\":\"alarm\"`,
			"5xx rate":       "100 * (elb5xx + target5xx) / requests",
		} {
			assert.Contains(t, body, needle, "dashboard shows the %s", what)
		}
		if env.Config.Database.ReadReplicas > 0 {
			assert.Contains(t, body, "DatabaseReplica1", "dashboard shows the replicas")
		}
	})
}
