package stacks_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/garcon/infrastructure/constructs/service"
	"github.com/garcon/infrastructure/stacks"
)

// The tracing sidecar, the task role's X-Ray permission and ECS Exec, per environment as
// its config says.

// ecsExecTaskActions are what CDK's enableExecuteCommand grants the task role: the SSM
// channels, the session log stream and the session key.
var ecsExecTaskActions = []string{
	"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
	"logs:DescribeLogGroups", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
	"kms:Decrypt", "kms:GenerateDataKey",
}

// collectorMemory is what the environment's collector takes out of the task (0 without).
func collectorMemory(env *stacks.Environment) int {
	if t := env.Config.Service.Tracing.WithDefaults(); t.Enabled {
		return t.CollectorMemoryMiB
	}
	return 0
}

// containers returns the task definition's containers by name.
func containers(t *testing.T, env *stacks.Environment) map[string]map[string]any {
	t.Helper()
	tasks := *templateOf(env.Service.Stack).FindResources(jsii.String("AWS::ECS::TaskDefinition"), nil)
	require.Len(t, tasks, 1)
	out := map[string]map[string]any{}
	for _, raw := range tasks {
		for _, d := range (*raw)["Properties"].(map[string]any)["ContainerDefinitions"].([]any) {
			def := d.(map[string]any)
			out[def["Name"].(string)] = def
		}
	}
	return out
}

func envVars(def map[string]any) map[string]any {
	out := map[string]any{}
	for _, raw := range def["Environment"].([]any) {
		e := raw.(map[string]any)
		out[e["Name"].(string)] = e["Value"]
	}
	return out
}

func TestCollectorSidecarIsPinnedAndSizedFromConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tr := env.Config.Service.Tracing.WithDefaults()
		defs := containers(t, env)
		collector, ok := defs[service.CollectorContainerName]
		if !tr.Enabled {
			assert.False(t, ok, "no collector where tracing is off")
			assert.Len(t, defs, 1)
			return
		}
		require.True(t, ok, "collector sidecar")
		assert.Len(t, defs, 2)
		assert.Regexp(t, `^public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$`, collector["Image"], "pinned by digest")
		assert.EqualValues(t, tr.CollectorCPU, collector["Cpu"])
		assert.EqualValues(t, tr.CollectorMemoryMiB, collector["Memory"])
		assert.Equal(t, false, collector["Essential"], "a dead collector must not stop the API")
		assert.Equal(t, true, collector["ReadonlyRootFilesystem"])
		assert.Equal(t, "65532:65532", collector["User"], "not root")
		assert.NotContains(t, collector, "PortMappings", "nothing reaches it from outside the task")

		api := defs["api"]
		assert.EqualValues(t, env.Config.Service.MemoryMiB-tr.CollectorMemoryMiB, api["Memory"], "the API gets the task's memory minus the collector's")
		assert.Equal(t, []any{map[string]any{"ContainerName": service.CollectorContainerName, "Condition": "START"}}, api["DependsOn"])
		vars := envVars(api)
		assert.Equal(t, "http://127.0.0.1:4318", vars["OTEL_EXPORTER_OTLP_ENDPOINT"])
		ratio, err := strconv.ParseFloat(vars["OTEL_TRACES_SAMPLER_ARG"].(string), 64)
		require.NoError(t, err)
		assert.InDelta(t, tr.SampleRatio, ratio, 1e-12)
	})
}

func TestCollectorConfigReceivesOnLoopbackAndExportsToXRayOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tr := env.Config.Service.Tracing.WithDefaults()
		if !tr.Enabled {
			t.Skip("tracing off")
		}
		raw, _ := envVars(containers(t, env)[service.CollectorContainerName])["AOT_CONFIG_CONTENT"].(string)
		var cfg struct {
			Receivers  map[string]map[string]map[string]map[string]any
			Processors map[string]map[string]any
			Exporters  map[string]map[string]any
			Extensions map[string]any
			Service    struct {
				Pipelines map[string]struct{ Receivers, Processors, Exporters []string }
			}
		}
		require.NoError(t, yaml.Unmarshal([]byte(raw), &cfg), raw)
		assert.Equal(t, map[string]map[string]map[string]map[string]any{
			"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:4318"}}},
		}, cfg.Receivers, "OTLP/HTTP on the task's loopback only: no gRPC, no X-Ray UDP receiver")
		assert.Empty(t, cfg.Extensions, "no health or proxy endpoint listening")
		assert.Equal(t, []string{"awsxray"}, keysOf(cfg.Exporters))
		assert.Equal(t, env.Config.Region, cfg.Exporters["awsxray"]["region"])
		assert.Equal(t, []any{"garcon.request_id"}, cfg.Exporters["awsxray"]["indexed_attributes"], "traces can be found by request id")
		assert.EqualValues(t, tr.CollectorMemoryMiB*8/10, cfg.Processors["memory_limiter"]["limit_mib"], "the limiter acts before the container's hard limit")
		require.Equal(t, []string{"traces"}, keysOf(cfg.Service.Pipelines))
		p := cfg.Service.Pipelines["traces"]
		assert.Equal(t, []string{"otlp"}, p.Receivers)
		assert.Equal(t, []string{"memory_limiter", "batch/traces"}, p.Processors)
		assert.Equal(t, []string{"awsxray"}, p.Exporters)
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCollectorLogsHaveRetentionAndTheEnvironmentKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		if !env.Config.Service.Tracing.Enabled {
			t.Skip("tracing off")
		}
		options := containers(t, env)[service.CollectorContainerName]["LogConfiguration"].(map[string]any)["Options"].(map[string]any)
		group := options["awslogs-group"].(map[string]any)["Ref"].(string)
		assert.Regexp(t, "^ApiCollectorLogs", group)
		assert.Equal(t, "non-blocking", options["mode"])
		templateOf(env.Service.Stack).HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"Properties": objectLike(map[string]any{
				"RetentionInDays": env.Config.Logs.RetentionDays,
				"KmsKeyId":        map[string]any{"Fn::GetStackOutput": objectLike(map[string]any{"OutputName": regexp("Key")})},
			}),
		})
		logGroup := (*templateOf(env.Service.Stack).FindResources(jsii.String("AWS::Logs::LogGroup"), nil))[group]
		require.NotNil(t, logGroup)
		props := (*logGroup)["Properties"].(map[string]any)
		assert.EqualValues(t, env.Config.Logs.RetentionDays, props["RetentionInDays"])
		assert.Contains(t, props, "KmsKeyId")
	})
}

// taskRoleStatements returns the statements of the task role's policy.
func taskRoleStatements(t *testing.T, env *stacks.Environment) []map[string]any {
	t.Helper()
	policies := *templateOf(env.Service.Stack).FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": objectLike(map[string]any{"Roles": []any{map[string]any{"Ref": regexp("^ApiTaskTaskRole")}}}),
	})
	require.Len(t, policies, 1)
	var out []map[string]any
	for _, raw := range policies {
		for _, s := range (*raw)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

func TestTaskRoleMayOnlyPutTraceSegments(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		var xray []map[string]any
		for _, st := range taskRoleStatements(t, env) {
			b, _ := json.Marshal(st["Action"])
			if st["Sid"] == "WriteTraceSegments" || strings.Contains(string(b), "xray:") {
				xray = append(xray, st)
			}
		}
		if !env.Config.Service.Tracing.Enabled {
			assert.Empty(t, xray)
			return
		}
		assert.Equal(t, []map[string]any{{
			"Sid": "WriteTraceSegments", "Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*",
		}}, xray, "exactly one X-Ray statement: write segments, nothing read, no sampling rules")
	})
}

func TestEcsExecFollowsConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		raw, _ := json.Marshal(tpl.ToJSON())
		doc := string(raw)
		if !env.Config.Service.EcsExec.Enabled {
			tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{"EnableExecuteCommand": absent()})
			tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{"Configuration": absent()})
			for _, absentText := range []string{"EnableExecuteCommand", "ExecuteCommandConfiguration", "ssmmessages:", "ecs:ExecuteCommand", "EcsExec", "ExecSessionLogs"} {
				assert.NotContains(t, doc, absentText, "ECS Exec is off: nothing of it is synthesized")
			}
			return
		}
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{"EnableExecuteCommand": true})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
			"Configuration": map[string]any{"ExecuteCommandConfiguration": map[string]any{
				"KmsKeyId": map[string]any{"Fn::GetStackOutput": objectLike(map[string]any{"OutputName": regexp("Key")})},
				"Logging":  "OVERRIDE",
				"LogConfiguration": map[string]any{
					"CloudWatchEncryptionEnabled": true,
					"CloudWatchLogGroupName":      map[string]any{"Ref": regexp("^ApiExecSessionLogs")},
				},
			}},
		})
		groups := *tpl.FindResources(jsii.String("AWS::Logs::LogGroup"), nil)
		var session map[string]any
		for id, g := range groups {
			if strings.HasPrefix(id, "ApiExecSessionLogs") {
				session = (*g)["Properties"].(map[string]any)
			}
		}
		require.NotNil(t, session, "session log group")
		assert.EqualValues(t, 365, session["RetentionInDays"], "the record of who ran what is kept a year")
		assert.Contains(t, session, "KmsKeyId", "session logs encrypted with the environment key")
		// The read-only root stays: the SSM agent writes to task volumes.
		api := containers(t, env)["api"]
		assert.Equal(t, true, api["ReadonlyRootFilesystem"])
		assert.Len(t, api["MountPoints"], 3)
	})
}

func TestEcsExecRoleIsTheOnlyWayIn(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		if !env.Config.Service.EcsExec.Enabled {
			templateOf(env.Service.Stack).ResourcePropertiesCountIs(jsii.String("AWS::IAM::Role"),
				map[string]any{"RoleName": stacks.EcsExecRoleName(env.Config)}, jsii.Number(0))
			return
		}
		tpl := templateOf(env.Service.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"RoleName":           env.Config.StageName + "-EcsExec",
			"MaxSessionDuration": 3600,
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + env.Config.Account + ":root"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}},
			}}},
		})
		tasks := map[string]any{"Fn::Join": []any{"", []any{
			"arn:aws:ecs:" + env.Config.Region + ":" + env.Config.Account + ":task/", map[string]any{"Ref": regexp("^ApiCluster")}, "/*",
		}}}
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": regexp("^ApiExecRole")}},
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{
					"Sid": "ExecIntoApiContainers", "Effect": "Allow", "Action": "ecs:ExecuteCommand",
					"Resource":  []any{map[string]any{"Fn::GetAtt": []any{regexp("^ApiCluster"), "Arn"}}, tasks},
					"Condition": map[string]any{"StringEquals": map[string]any{"ecs:container-name": "api"}},
				},
				map[string]any{"Sid": "DescribeClusterTasks", "Effect": "Allow", "Action": "ecs:DescribeTasks", "Resource": tasks},
				map[string]any{"Sid": "EncryptSessions", "Effect": "Allow", "Action": "kms:GenerateDataKey",
					"Resource": map[string]any{"Fn::GetStackOutput": objectLike(map[string]any{"OutputName": regexp("Key")})}},
			}},
		})
		// No other policy of the stack grants ecs:ExecuteCommand.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{"Action": "ecs:ExecuteCommand"}))}),
		}, jsii.Number(1))
	})
}
