package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DashboardProps names what the environment's dashboard shows.
type DashboardProps struct {
	// Environment is the environment name (KPI dimension, title).
	Environment string
	// LoadBalancer, TargetGroups, Cluster and Service are the API.
	LoadBalancer awselasticloadbalancingv2.ApplicationLoadBalancer
	// TargetGroups are every group ECS may route the API's traffic through.
	TargetGroups []awselasticloadbalancingv2.ApplicationTargetGroup
	// Cluster holds Service.
	Cluster awsecs.ICluster
	// Service runs the API tasks.
	Service awsecs.FargateService
	// Database is the writer; Replicas its read replicas.
	Database awsrds.DatabaseInstance
	// Replicas are the read replicas.
	Replicas []awsrds.DatabaseInstanceReadReplica
	// CacheGroupID and CacheNodes identify the Redis nodes.
	CacheGroupID *string
	// CacheNodes is the number of Redis nodes.
	CacheNodes int
	// Alarms are shown in an alarm-status widget (same-region alarms only).
	Alarms []awscloudwatch.Alarm
}

// cloudFrontSearch finds the environment's distribution metrics in us-east-1 without a
// cross-region reference: each environment has its own account and one distribution.
func cloudFrontSearch(metric, statistic, label string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(fmt.Sprintf(`SEARCH('{AWS/CloudFront,DistributionId,Region} MetricName="%s"', '%s', 300)`, metric, statistic)),
		SearchRegion: jsii.String("us-east-1"),
		Label:        jsii.String(label),
		Period:       Minutes(5),
	})
}

// NewDashboard creates the golden-signals dashboard: traffic, errors, latency and
// saturation of the load balancer, tasks, database, cache and CDN, then the business KPIs.
func NewDashboard(scope constructs.Construct, id string, p *DashboardProps) awscloudwatch.Dashboard {
	five := &awscloudwatch.MetricOptions{Period: Minutes(5)}
	sum := &awscloudwatch.MetricOptions{Period: Minutes(5), Statistic: jsii.String("Sum")}
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6)})
	}
	section := func(text string) awscloudwatch.IWidget {
		return awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{Markdown: jsii.String("## " + text), Width: jsii.Number(24), Height: jsii.Number(1)})
	}
	percentile := func(stat string) awscloudwatch.IMetric { return ResponseTime(p.LoadBalancer, stat, Minutes(5)) }
	dbLatency := []awscloudwatch.IMetric{
		p.Database.Metric(jsii.String("ReadLatency"), five), p.Database.Metric(jsii.String("WriteLatency"), five),
	}
	dbSaturation := []awscloudwatch.IMetric{p.Database.MetricCPUUtilization(five)}
	for _, r := range p.Replicas {
		dbSaturation = append(dbSaturation, r.MetricCPUUtilization(five))
	}
	var cacheCPU, cacheMemory []awscloudwatch.IMetric
	for n := 1; n <= p.CacheNodes; n++ {
		cacheCPU = append(cacheCPU, CacheNodeMetric(p.CacheGroupID, n, "EngineCPUUtilization", "Average", Minutes(5)))
		cacheMemory = append(cacheMemory, CacheNodeMetric(p.CacheGroupID, n, "DatabaseMemoryUsagePercentage", "Average", Minutes(5)))
	}
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(p.Alarms))
	for i, a := range p.Alarms {
		alarms[i] = a
	}

	dashboard := awscloudwatch.NewDashboard(scope, jsii.String(id), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String(fmt.Sprintf("Garçon %s: alarms", p.Environment)), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(4),
	}))
	dashboard.AddWidgets(section("Traffic"))
	dashboard.AddWidgets(
		graph("API requests", p.LoadBalancer.Metrics().RequestCount(sum)),
		graph("CDN requests", cloudFrontSearch("Requests", "Sum", "CloudFront requests")),
		graph("Running tasks", p.Service.Metric(jsii.String("RunningTaskCount"), five)),
	)
	dashboard.AddWidgets(section("Errors"))
	dashboard.AddWidgets(
		graph("API 5xx rate (%)", ErrorRate(p.LoadBalancer)),
		graph("API 4xx and target 5xx", p.LoadBalancer.Metrics().HttpCodeElb(awselasticloadbalancingv2.HttpCodeElb_ELB_4XX_COUNT, sum),
			p.LoadBalancer.Metrics().HttpCodeTarget(awselasticloadbalancingv2.HttpCodeTarget_TARGET_5XX_COUNT, sum)),
		graph("CDN 5xx rate (%)", cloudFrontSearch("5xxErrorRate", "Average", "CloudFront 5xx rate")),
	)
	dashboard.AddWidgets(section("Latency"))
	dashboard.AddWidgets(
		graph("API response time p50 / p99", percentile("p50"), percentile("p99")),
		graph("Database read / write latency", dbLatency...),
		graph("Healthy / unhealthy targets", HealthyTargets(p.TargetGroups, "Average", Minutes(5)), UnhealthyTargets(p.TargetGroups, "Average", Minutes(5))),
	)
	dashboard.AddWidgets(section("Saturation"))
	dashboard.AddWidgets(
		graph("API CPU / memory (%)", p.Service.MetricCpuUtilization(five), p.Service.MetricMemoryUtilization(five)),
		graph("Database CPU (%) writer and replicas", dbSaturation...),
		graph("Database connections / free storage", p.Database.MetricDatabaseConnections(five)),
	)
	dashboard.AddWidgets(
		graph("Redis engine CPU (%) per node", cacheCPU...),
		graph("Redis memory (%) per node", cacheMemory...),
		graph("Database free storage (bytes)", p.Database.MetricFreeStorageSpace(five)),
	)
	dashboard.AddWidgets(section("Business KPIs"))
	dashboard.AddWidgets(
		graph("Menu views", KPI(p.Environment, MenuViews)),
		graph("Menu updates", KPI(p.Environment, MenuUpdates)),
		graph("Uploads requested", KPI(p.Environment, UploadsRequested)),
	)
	return dashboard
}
