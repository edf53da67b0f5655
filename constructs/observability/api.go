package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// APIProps are the resources and thresholds of the API's signals.
type APIProps struct {
	// LoadBalancer fronts the service.
	LoadBalancer awselasticloadbalancingv2.ApplicationLoadBalancer
	// TargetGroups are every group ECS may route the service's traffic through (two
	// under canary deployments, where the live one alternates).
	TargetGroups []awselasticloadbalancingv2.ApplicationTargetGroup
	// Service runs the tasks.
	Service awsecs.FargateService
	// Cluster holds the service (Container Insights metrics are per cluster and service).
	Cluster awsecs.ICluster
	// DeploymentAlarms are the service's own rollback alarms (5xx rate, unhealthy
	// targets, in that order): they page too, and are drawn with the API's errors and
	// latency.
	DeploymentAlarms []awscloudwatch.Alarm
	// MinTasks is the floor of healthy targets.
	MinTasks int
	// P99LatencyMillis alarms on slower p99 target responses.
	P99LatencyMillis int
}

// ErrorRate is the share (%) of 5xx answers of the load balancer and its targets, 0 when
// there are fewer than 20 requests a minute (one error among three is noise).
func ErrorRate(alb awselasticloadbalancingv2.ApplicationLoadBalancer) awscloudwatch.MathExpression {
	sum := &awscloudwatch.MetricOptions{Period: Minutes(1), Statistic: jsii.String("Sum")}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests >= 20, 100 * (elb5xx + target5xx) / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"requests":  alb.Metrics().RequestCount(sum),
			"elb5xx":    alb.Metrics().HttpCodeElb(awselasticloadbalancingv2.HttpCodeElb_ELB_5XX_COUNT, sum),
			"target5xx": alb.Metrics().HttpCodeTarget(awselasticloadbalancingv2.HttpCodeTarget_TARGET_5XX_COUNT, sum),
		},
		Label:  jsii.String("5xx rate (%)"),
		Period: Minutes(1),
	})
}

// MonitorAPI declares the API's signals: the deployment alarms, latency, capacity and
// saturation alarms, and the traffic graphs.
func (m *Monitoring) MonitorAPI(scope constructs.Construct, p APIProps) {
	c := constructs.NewConstruct(scope, jsii.String("ApiAlarms"))
	svc, minute, five := p.Service, Minutes(1), &awscloudwatch.MetricOptions{Period: Minutes(5)}
	sum := &awscloudwatch.MetricOptions{Period: Minutes(5), Statistic: jsii.String("Sum")}
	insights := func(name string) awscloudwatch.Metric {
		return Metric("ECS/ContainerInsights", name, "Average", minute, map[string]*string{
			"ClusterName": p.Cluster.ClusterName(), "ServiceName": svc.ServiceName(),
		})
	}
	tasksMissing := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("desired - running"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"desired": insights("DesiredTaskCount"), "running": insights("RunningTaskCount")},
		Label:        jsii.String("tasks missing"),
		Period:       minute,
	})
	m.Graph(p.LoadBalancer.Metrics().RequestCount(sum), Panel{Traffic, "API requests"})
	m.Graph(insights("RunningTaskCount"), Panel{Traffic, "Running tasks"})
	if len(p.DeploymentAlarms) == 2 {
		m.Add(p.DeploymentAlarms[0], ErrorRate(p.LoadBalancer), Panel{Errors, "API 5xx rate (%)"})
		m.Add(p.DeploymentAlarms[1], UnhealthyTargets(p.TargetGroups, "Maximum", minute), Panel{Latency, "Healthy / unhealthy targets"})
	}
	m.Graph(p.LoadBalancer.Metrics().HttpCodeElb(awselasticloadbalancingv2.HttpCodeElb_ELB_4XX_COUNT, sum), Panel{Errors, "API 4xx"})
	m.Graph(ResponseTime(p.LoadBalancer, "p50", minute), Panel{Latency, "API response time p50 / p99"})
	m.Alarm(c, "P99Latency", ResponseTime(p.LoadBalancer, "p99", minute), Spec{
		Description: fmt.Sprintf("API p99 response time above %d ms: check slow queries (RDS Performance Insights) and task CPU.", p.P99LatencyMillis),
		Threshold:   float64(p.P99LatencyMillis) / 1000, Comparison: Greater, Periods: 5, DatapointsToAlarm: 3, MissingData: NotBreaching,
	}, Panel{Latency, "API response time p50 / p99"})
	m.Alarm(c, "HealthyHostsBelowMinimum", HealthyTargets(p.TargetGroups, "Minimum", minute), Spec{
		Description: fmt.Sprintf("Fewer than %d healthy API targets: capacity is below the floor; check task health and recent deployments.", p.MinTasks),
		Threshold:   float64(p.MinTasks), Comparison: Less, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
	}, Panel{Latency, "Healthy / unhealthy targets"})
	m.Alarm(c, "RunningTasksBelowDesired", tasksMissing, Spec{
		Description: "ECS runs fewer tasks than desired for 5 minutes: tasks fail to start or keep crashing (see the service's events).",
		Threshold:   1, Comparison: GreaterOrEqual, Periods: 5, DatapointsToAlarm: 5, MissingData: Breaching,
	}, Panel{Traffic, "Running tasks"})
	m.Alarm(c, "Cpu", svc.MetricCpuUtilization(five), Spec{
		Description: "API CPU above 85 % for 15 minutes although auto scaling should have added tasks: check MaxTasks.",
		Threshold:   85, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
	}, Panel{Saturation, "API CPU / memory (%)"})
	m.Alarm(c, "Memory", svc.MetricMemoryUtilization(five), Spec{
		Description: "API memory above 85 % for 15 minutes: a leak or undersized tasks (Service.MemoryMiB).",
		Threshold:   85, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
	}, Panel{Saturation, "API CPU / memory (%)"})
}

// WafBlocked alarms on a spike of requests a web ACL blocks. Regional ACLs report with a
// Region dimension, CloudFront ones without (and in us-east-1).
func (m *Monitoring) WafBlocked(scope constructs.Construct, id string, aclMetricName string, region *string, threshold int) awscloudwatch.Alarm {
	dims := map[string]*string{"WebACL": jsii.String(aclMetricName), "Rule": jsii.String("ALL")}
	if region != nil {
		dims["Region"] = region
	}
	return m.Alarm(scope, id, Metric("AWS/WAFV2", "BlockedRequests", "Sum", Minutes(5), dims), Spec{
		Description: fmt.Sprintf("WAF blocked more than %d requests in 5 minutes: an attack, or a rule blocking real users (see the WAF logs' terminatingRuleId).", threshold),
		Threshold:   float64(threshold), Comparison: Greater, Periods: 1, DatapointsToAlarm: 1, MissingData: NotBreaching,
	}, Panel{Errors, "WAF blocked requests"})
}
