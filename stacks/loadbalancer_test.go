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

func TestLoadBalancerListenersRedirectHTTPAndServeModernTLS(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), jsii.Number(2))
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port":     80,
			"Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "redirect", "RedirectConfig": map[string]any{
				"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301",
			}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
			"Port":         443,
			"Protocol":     "HTTPS",
			"SslPolicy":    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
			"Certificates": []any{map[string]any{"CertificateArn": map[string]any{"Ref": regexp("^ApiCertificate")}}},
			// The load balancer adds HSTS to every API response (app/e2e checks it live).
			"ListenerAttributes": []any{map[string]any{
				"Key": "routing.http.response.strict_transport_security.header_value", "Value": "max-age=63072000; includeSubDomains; preload",
			}},
		})
	})
}

func TestLoadBalancerIsHardenedAndLogged(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		attrs := []any{
			map[string]any{"Key": "deletion_protection.enabled", "Value": fmt.Sprint(env.Config.IsProtected())},
			map[string]any{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
			map[string]any{"Key": "access_logs.s3.enabled", "Value": "true"},
			map[string]any{"Key": "access_logs.s3.prefix", "Value": "alb/api"},
		}
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
			"Scheme":                 "internet-facing",
			"IpAddressType":          "dualstack",
			"LoadBalancerAttributes": arrayWith(attrs...),
		})
	})
}

func TestCertificateIsDNSValidatedInTheHostedZone(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Service.Stack).HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), map[string]any{
			"DomainName":       env.Config.APIDomain(),
			"ValidationMethod": "DNS",
			"DomainValidationOptions": []any{map[string]any{
				"DomainName": env.Config.APIDomain(), "HostedZoneId": zoneOf(env, "ApiZone"),
			}},
		})
	})
}

func TestTargetGroupHealthChecksAndDrainsBeforeStopTimeout(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Service.Stack).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
			"Port":                  8080,
			"Protocol":              "HTTP",
			"TargetType":            "ip",
			"HealthCheckPath":       "/health",
			"Matcher":               map[string]any{"HttpCode": "200"},
			"TargetGroupAttributes": arrayWith(map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "20"}),
		})
	})
}

func TestDNSRecordsPointAtTheLoadBalancer(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		for _, typ := range []string{"A", "AAAA"} {
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::Route53::RecordSet"), map[string]any{
				"Name":         env.Config.APIDomain() + ".",
				"Type":         typ,
				"HostedZoneId": zoneOf(env, "ApiZone"),
				"AliasTarget":  objectLike(map[string]any{"DNSName": assertions.Match_AnyValue()}),
			}, jsii.Number(1))
		}
	})
	assert.Equal(t, "staging-api.garcon.app", envByName(t, "staging").Config.APIDomain())
	assert.Equal(t, "api.garcon.app", envByName(t, "production").Config.APIDomain())
}

func TestAutoScalingTracksCpuMemoryAndRequests(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
			"MinCapacity": env.Config.Service.MinTasks, "MaxCapacity": env.Config.Service.MaxTasks,
		})
		tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(3))
		for metric, target := range map[string]int{"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 70} {
			tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
				"PolicyType": "TargetTrackingScaling",
				"TargetTrackingScalingPolicyConfiguration": objectLike(map[string]any{
					"TargetValue":                   target,
					"PredefinedMetricSpecification": objectLike(map[string]any{"PredefinedMetricType": metric}),
				}),
			})
		}
	})
}

// Finding 13.3: the predefined ALBRequestCountPerTarget follows one target group, idle
// after every other canary release. Requests scaling follows the load balancer's
// requests per running task instead, whichever group serves them.
func TestRequestScalingFollowsTheLiveTargetGroup(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		var policies []map[string]any
		for _, raw := range resourcesOf(env.Service.Stack, "AWS::ApplicationAutoScaling::ScalingPolicy") {
			cfg := raw["Properties"].(map[string]any)["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
			if spec, ok := cfg["CustomizedMetricSpecification"]; ok {
				policies = append(policies, cfg)
				raw, _ := json.Marshal(spec)
				assert.Contains(t, string(raw), `"Expression":"requests / tasks"`)
				assert.Contains(t, string(raw), `"MetricName":"RequestCount","Namespace":"AWS/ApplicationELB"`)
				assert.Contains(t, string(raw), `"MetricName":"RunningTaskCount","Namespace":"ECS/ContainerInsights"`)
				assert.NotContains(t, string(raw), "TargetGroup", "no metric of one target group")
			}
			if pre, ok := cfg["PredefinedMetricSpecification"].(map[string]any); ok {
				assert.NotEqual(t, "ALBRequestCountPerTarget", pre["PredefinedMetricType"], "it follows one target group")
			}
		}
		require.Len(t, policies, 1)
		assert.EqualValues(t, 1000, policies[0]["TargetValue"])
	})
}

// Finding 13.3: after a canary release the new revision serves from the other target
// group; every API alarm and graph on targets covers both groups or the load balancer.
func TestTargetMetricsFollowTheLiveTargetGroup(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		groups := len(resourcesOf(env.Service.Stack, "AWS::ElasticLoadBalancingV2::TargetGroup"))
		for id, res := range resourcesOf(env.Service.Stack, "AWS::CloudWatch::Alarm") {
			raw, _ := json.Marshal(res["Properties"])
			if n := strings.Count(string(raw), `"Name":"TargetGroup"`); n > 0 {
				assert.Equal(t, groups, n, "%s watches %d of the %d target groups", id, n, groups)
			}
		}
		p99 := alarmWith(t, env.Service.Stack, "ApiAlarmsP99Latency")
		for _, d := range p99["Dimensions"].([]any) {
			assert.Equal(t, "LoadBalancer", d.(map[string]any)["Name"], "p99 latency at the load balancer, whichever group answered")
		}
		for _, res := range resourcesOf(env.Service.Stack, "AWS::CloudWatch::Dashboard") {
			raw, _ := json.Marshal(res["Properties"])
			body := string(raw)
			assert.Equal(t, 2*groups, strings.Count(body, `\"TargetGroup\"`), "healthy and unhealthy targets of every group on the dashboard")
		}
	})
}

func TestRegionalWafProtectsTheLoadBalancer(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Service.Stack)
		rules := []any{objectLike(map[string]any{
			"Name": "rate-limit-per-ip", "Priority": 1, "Action": map[string]any{"Block": map[string]any{}},
			"Statement": map[string]any{"RateBasedStatement": map[string]any{
				"Limit": env.Config.Service.WafRateLimit, "AggregateKeyType": "IP", "EvaluationWindowSec": 300,
			}},
		})}
		for _, group := range []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"} {
			rules = append(rules, objectLike(map[string]any{
				"Name":      group,
				"Statement": map[string]any{"ManagedRuleGroupStatement": objectLike(map[string]any{"VendorName": "AWS", "Name": group})},
			}))
		}
		tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
			"Scope":         "REGIONAL",
			"DefaultAction": map[string]any{"Allow": map[string]any{}},
			"Rules":         arrayWith(rules...),
		})
		tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACLAssociation"), map[string]any{
			"ResourceArn": map[string]any{"Ref": regexp("^ApiLoadBalancer")},
			"WebACLArn":   map[string]any{"Fn::GetAtt": []any{regexp("^WafAcl"), "Arn"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::WAFv2::LoggingConfiguration"), map[string]any{
			"RedactedFields": []any{map[string]any{"SingleHeader": map[string]any{"Name": "authorization"}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"LogGroupName": map[string]any{"Fn::Join": []any{"", []any{
				"aws-waf-logs-garcon-" + env.Config.Name + "-api-",
				map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}},
			}}},
			"RetentionInDays": env.Config.Logs.RetentionDays,
		})
	})
}
