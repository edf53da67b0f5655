package stacks_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

func TestServiceClusterHasContainerInsights(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Service.Stack).HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}},
		})
	})
}

func TestServiceTaskDefinitionFollowsConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		arch := "ARM64"
		if env.Config.Service.Platform != "arm64" {
			arch = "X86_64"
		}
		templateOf(env.Service.Stack).HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu":                     fmt.Sprint(env.Config.Service.CPU),
			"Memory":                  fmt.Sprint(env.Config.Service.MemoryMiB),
			"RequiresCompatibilities": []any{"FARGATE"},
			"NetworkMode":             "awsvpc",
			"RuntimePlatform":         map[string]any{"CpuArchitecture": arch, "OperatingSystemFamily": "LINUX"},
			"ContainerDefinitions": arrayWith(objectLike(map[string]any{
				"Name":                   "api",
				"Essential":              true,
				"ReadonlyRootFilesystem": true,
				"User":                   "65532:65532", // distroless nonroot, whatever the image says
				"Memory":                 env.Config.Service.MemoryMiB - collectorMemory(env),
				"StopTimeout":            30,
				"PortMappings":           []any{objectLike(map[string]any{"ContainerPort": 8080, "Protocol": "tcp"})},
				"HealthCheck": objectLike(map[string]any{
					"Command": []any{"CMD", "/garcon", "healthcheck"},
				}),
				"LogConfiguration": objectLike(map[string]any{
					"LogDriver": "awslogs",
					"Options":   objectLike(map[string]any{"mode": "non-blocking"}),
				}),
			})),
		})
	})
}

// containerDefinition returns the API container of the environment's task definition.
func containerDefinition(t *testing.T, env *stacks.Environment) map[string]any {
	t.Helper()
	tasks := *templateOf(env.Service.Stack).FindResources(jsii.String("AWS::ECS::TaskDefinition"), nil)
	require.Len(t, tasks, 1)
	for _, raw := range tasks {
		for _, d := range (*raw)["Properties"].(map[string]any)["ContainerDefinitions"].([]any) {
			if def := d.(map[string]any); def["Name"] == "api" {
				return def
			}
		}
	}
	require.Fail(t, "no container named api")
	return nil
}

func TestServiceSecretsComeFromSecretsManagerOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		def := containerDefinition(t, env)
		secrets := map[string]any{}
		for _, raw := range def["Secrets"].([]any) {
			s := raw.(map[string]any)
			secrets[s["Name"].(string)] = s["ValueFrom"]
		}
		assert.ElementsMatch(t, []string{"DB_CREDENTIALS", "REDIS_AUTH_TOKEN", "JWT_SECRET", "STRIPE_API_KEY", "GOOGLE_MAPS_API_KEY"}, keys(secrets))
		for name, from := range secrets {
			assert.Len(t, stackOutputNames(from), 1, "%s is a reference to a Data stack secret, not a value", name)
		}
		plain := map[string]any{}
		for _, raw := range def["Environment"].([]any) {
			e := raw.(map[string]any)
			plain[e["Name"].(string)] = e["Value"]
		}
		for name := range secrets {
			assert.NotContains(t, plain, name, "%s must never be plain environment", name)
		}
	})
}

func TestServiceEnvironmentWiresTheDataTier(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		vars := map[string]any{}
		for _, raw := range containerDefinition(t, env)["Environment"].([]any) {
			e := raw.(map[string]any)
			vars[e["Name"].(string)] = e["Value"]
		}
		assert.Equal(t, env.Config.Name, vars["ENVIRONMENT"])
		assert.Equal(t, "8080", vars["PORT"])
		assert.Equal(t, "5433", vars["DB_PORT"])
		assert.Equal(t, "garcon", vars["DB_NAME"])
		assert.Equal(t, "verify-full", vars["DB_SSLMODE"])
		assert.Equal(t, "6380", vars["REDIS_PORT"])
		assert.Equal(t, "true", vars["REDIS_TLS"])
		assert.Equal(t, env.Config.Region, vars["AWS_REGION"])
		for _, name := range []string{"DB_WRITER_HOST", "DB_READER_HOST", "REDIS_HOST", "UPLOADS_BUCKET"} {
			assert.Len(t, stackOutputNames(vars[name]), 1, "%s references the Data stack", name)
		}
		writer, reader := stackOutputNames(vars["DB_WRITER_HOST"]), stackOutputNames(vars["DB_READER_HOST"])
		if env.Config.Database.ReadReplicas > 0 {
			assert.NotEqual(t, writer, reader, "reads go to a replica")
			assert.Contains(t, reader[0], "Replica1")
		}
	})
}

func TestServiceDeploysSafely(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
			"LaunchType":                    "FARGATE",
			"DesiredCount":                  env.Config.Service.MinTasks,
			"HealthCheckGracePeriodSeconds": 90,
			"DeploymentConfiguration": objectLike(map[string]any{
				"MinimumHealthyPercent":    100,
				"MaximumPercent":           200,
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
				"Alarms": map[string]any{
					"Enable":     true,
					"Rollback":   true,
					"AlarmNames": []any{env.Config.StageName + "-Service-ApiHttp5xxRate", env.Config.StageName + "-Service-ApiUnhealthyTargets"},
				},
			}),
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": objectLike(map[string]any{"AssignPublicIp": "DISABLED"})},
		})
	})
}

func TestServiceDeploymentAlarmsWatch5xxRateAndUnhealthyTargets(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"Threshold":          env.Config.Alarms.HTTP5xxPercent,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
			"Metrics": arrayWith(objectLike(map[string]any{
				"Expression": "IF(requests >= 20, 100 * (elb5xx + target5xx) / requests, 0)",
			})),
		})
		unhealthy := map[string]any{"Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
		if env.Config.Service.Deployment == "canary" {
			// The new revision's tasks are in the idle group during a deployment: both count.
			unhealthy["Metrics"] = arrayWith(objectLike(map[string]any{"Expression": "SUM([unhealthy1, unhealthy2])"}))
		} else {
			unhealthy["MetricName"], unhealthy["Namespace"] = "UnHealthyHostCount", "AWS/ApplicationELB"
		}
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), unhealthy)
	})
}

func TestProductionDeploysByCanaryStagingRolls(t *testing.T) {
	assert.Equal(t, "canary", envByName(t, "production").Config.Service.Deployment)
	assert.Equal(t, "rolling", envByName(t, "staging").Config.Service.Deployment)
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		if env.Config.Service.Deployment != "canary" {
			tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
				"DeploymentConfiguration": objectLike(map[string]any{"Strategy": absent(), "CanaryConfiguration": absent()}),
				"LoadBalancers":           []any{map[string]any{"ContainerName": "api", "ContainerPort": 8080, "TargetGroupArn": assertions.Match_AnyValue()}},
			})
			tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(1))
			return
		}
		tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(2))
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
			"DeploymentConfiguration": objectLike(map[string]any{
				"Strategy":            "CANARY",
				"CanaryConfiguration": map[string]any{"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 10},
				// Alarms and the circuit breaker still roll a canary back.
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
				"MinimumHealthyPercent":    100,
			}),
			"LoadBalancers": []any{map[string]any{
				"ContainerName":  "api",
				"ContainerPort":  8080,
				"TargetGroupArn": map[string]any{"Ref": regexp("^ApiTargets")},
				"AdvancedConfiguration": map[string]any{
					"AlternateTargetGroupArn": map[string]any{"Ref": regexp("^ApiCanaryTargets")},
					"ProductionListenerRule":  map[string]any{"Ref": regexp("^ApiProductionRule")},
					"RoleArn":                 map[string]any{"Fn::GetAtt": []any{regexp("^ApiServiceCanaryRole"), "Arn"}},
				},
			}},
		})
		// Production traffic goes through one rule whose weights ECS moves (100/0 at rest);
		// anything else gets a JSON 404 from the load balancer.
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), map[string]any{
			"Conditions": []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/*"}}}},
			"Actions": []any{map[string]any{"Type": "forward", "ForwardConfig": map[string]any{"TargetGroups": []any{
				map[string]any{"TargetGroupArn": map[string]any{"Ref": regexp("^ApiTargets")}, "Weight": 100},
				map[string]any{"TargetGroupArn": map[string]any{"Ref": regexp("^ApiCanaryTargets")}, "Weight": 0},
			}}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port":           443,
			"DefaultActions": []any{objectLike(map[string]any{"Type": "fixed-response", "FixedResponseConfig": objectLike(map[string]any{"StatusCode": "404"})})},
		})
	})
}

// The exact ingress of every security group of the API: the load balancer from the
// internet on 80/443, the tasks from the load balancer on 8080, the database and cache
// from the tasks on their ports (rules live in the Service stack, which references the
// Data stack's groups).
func TestSecurityGroupIngressIsExactlyWhatTheAPINeeds(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupIngress": assertions.Match_ArrayEquals(&[]any{
				objectLike(map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80, "IpProtocol": "tcp"}),
				objectLike(map[string]any{"CidrIpv6": "::/0", "FromPort": 80, "ToPort": 80, "IpProtocol": "tcp"}),
				objectLike(map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"}),
				objectLike(map[string]any{"CidrIpv6": "::/0", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"}),
			}),
		})
		ingress := *tpl.FindResources(jsii.String("AWS::EC2::SecurityGroupIngress"), nil)
		var rules []string
		for _, raw := range ingress {
			p := (*raw)["Properties"].(map[string]any)
			rules = append(rules, fmt.Sprintf("%s<-%s:%s", groupName(p["GroupId"]), groupName(p["SourceSecurityGroupId"]), portName(p["FromPort"])))
		}
		assert.ElementsMatch(t, []string{
			"ApiTaskSecurityGroup<-ApiLoadBalancerSecurityGroup:8080",
			"DataStack:DatabaseSecurityGroup<-ApiTaskSecurityGroup:DataStack:DatabaseInstance.Endpoint.Port",
			"DataStack:CacheSecurityGroup<-ApiTaskSecurityGroup:6380",
		}, rules)
	})
}

// groupName turns a security-group reference into a readable name: the logical id prefix
// for groups of this stack, "DataStack:<output>" for the Data stack's.
func groupName(ref any) string {
	if outputs := stackOutputNames(ref); len(outputs) == 1 {
		for _, prefix := range []string{"DatabaseSecurityGroup", "CacheSecurityGroup"} {
			if strings.Contains(outputs[0], prefix) {
				return "DataStack:" + prefix
			}
		}
		return "DataStack:" + outputs[0]
	}
	if m, ok := ref.(map[string]any); ok {
		if att, ok := m["Fn::GetAtt"].([]any); ok {
			id := att[0].(string)
			for _, prefix := range []string{"ApiTaskSecurityGroup", "ApiLoadBalancerSecurityGroup"} {
				if strings.HasPrefix(id, prefix) {
					return prefix
				}
			}
			return id
		}
	}
	return fmt.Sprint(ref)
}

// portName renders a port: a number, or the Data stack's database port attribute.
func portName(port any) string {
	if outputs := stackOutputNames(port); len(outputs) == 1 &&
		strings.Contains(outputs[0], "DatabaseInstance") && strings.Contains(outputs[0], "EndpointPort") {
		return "DataStack:DatabaseInstance.Endpoint.Port"
	}
	return fmt.Sprint(port)
}

func TestTaskRoleMayOnlyPutUploadsTraceAndExec(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		policies := *tpl.FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Properties": objectLike(map[string]any{"Roles": []any{map[string]any{"Ref": regexp("^ApiTaskTaskRole")}}}),
		})
		require.Len(t, policies, 1, "one policy on the task role")
		for _, raw := range policies {
			statements := (*raw)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
			var actions []string
			for _, s := range statements {
				switch a := s.(map[string]any)["Action"].(type) {
				case string:
					actions = append(actions, a)
				case []any:
					for _, x := range a {
						actions = append(actions, x.(string))
					}
				}
			}
			// Presigned PUTs, their data key, and IAM database authentication; trace segments
			// for the collector; ECS Exec's channels, session logs and key where it is on.
			want := []string{"s3:PutObject", "kms:GenerateDataKey", "rds-db:connect"}
			if env.Config.Service.Tracing.Enabled {
				want = append(want, "xray:PutTraceSegments")
			}
			if env.Config.Service.EcsExec.Enabled {
				want = append(want, ecsExecTaskActions...)
			}
			assert.ElementsMatch(t, want, actions)
			for _, raw := range statements {
				st := raw.(map[string]any)
				if st["Action"] != "rds-db:connect" {
					continue
				}
				resources, _ := json.Marshal(st["Resource"])
				assert.Equal(t, 1+env.Config.Database.ReadReplicas, strings.Count(string(resources), "/garcon_app"),
					"as the app user, on the writer and each replica: %s", resources)
				assert.NotContains(t, string(resources), "garcon_admin")
			}
		}
	})
}

func TestServiceStackOutputs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.HasOutput(jsii.String("ApiUrl"), map[string]any{"Value": "https://" + env.Config.APIDomain()})
		tpl.HasOutput(jsii.String("ClusterName"), map[string]any{"Value": map[string]any{"Ref": regexp("^ApiCluster")}})
		tpl.HasOutput(jsii.String("ServiceName"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^ApiService"), "Name"}}})
	})
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
