package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// APIProps are the resources and thresholds of the API's alarms.
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
	// MinTasks is the floor of healthy targets.
	MinTasks int
	// P99LatencyMillis alarms on slower p99 target responses.
	P99LatencyMillis int
	// Percent5xx is the 5xx share of answers that alarms.
	Percent5xx float64
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

// APIAlarms declares the API's alarms (the 5xx-rate and unhealthy-target alarms are the
// service's deployment alarms, wired to the topic by the caller).
func (a Alarms) APIAlarms(scope constructs.Construct, p APIProps) []awscloudwatch.Alarm {
	c := constructs.NewConstruct(scope, jsii.String("ApiAlarms"))
	svc := p.Service
	minute := Minutes(1)
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
	return []awscloudwatch.Alarm{
		a.New(c, "P99Latency", ResponseTime(p.LoadBalancer, "p99", minute), Spec{
			Description: fmt.Sprintf("API p99 response time above %d ms: check slow queries (RDS Performance Insights) and task CPU.", p.P99LatencyMillis),
			Threshold:   float64(p.P99LatencyMillis) / 1000, Comparison: Greater, Periods: 5, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}),
		a.New(c, "HealthyHostsBelowMinimum", HealthyTargets(p.TargetGroups, "Minimum", minute), Spec{
			Description: fmt.Sprintf("Fewer than %d healthy API targets: capacity is below the floor; check task health and recent deployments.", p.MinTasks),
			Threshold:   float64(p.MinTasks), Comparison: Less, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
		}),
		a.New(c, "RunningTasksBelowDesired", tasksMissing, Spec{
			Description: "ECS runs fewer tasks than desired for 5 minutes: tasks fail to start or keep crashing (see the service's events).",
			Threshold:   1, Comparison: GreaterOrEqual, Periods: 5, DatapointsToAlarm: 5, MissingData: Breaching,
		}),
		a.New(c, "Cpu", svc.MetricCpuUtilization(&awscloudwatch.MetricOptions{Period: Minutes(5)}), Spec{
			Description: "API CPU above 85 % for 15 minutes although auto scaling should have added tasks: check MaxTasks.",
			Threshold:   85, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}),
		a.New(c, "Memory", svc.MetricMemoryUtilization(&awscloudwatch.MetricOptions{Period: Minutes(5)}), Spec{
			Description: "API memory above 85 % for 15 minutes: a leak or undersized tasks (Service.MemoryMiB).",
			Threshold:   85, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}),
	}
}

// DatabaseProps are the resources and thresholds of the database's alarms.
type DatabaseProps struct {
	// Instance is the writer.
	Instance awsrds.DatabaseInstance
	// Replicas are the read replicas.
	Replicas []awsrds.DatabaseInstanceReadReplica
	// MaxConnections alarms when the writer holds more connections.
	MaxConnections int
	// FreeStorageGiB alarms when less storage is free.
	FreeStorageGiB int
}

// DatabaseAlarms declares the alarms of the writer and its replicas.
func (a Alarms) DatabaseAlarms(scope constructs.Construct, p DatabaseProps) []awscloudwatch.Alarm {
	c := constructs.NewConstruct(scope, jsii.String("DatabaseAlarms"))
	db := p.Instance
	five := &awscloudwatch.MetricOptions{Period: Minutes(5)}
	latency := func(name string) awscloudwatch.Metric {
		return db.Metric(jsii.String(name), &awscloudwatch.MetricOptions{Period: Minutes(5), Statistic: jsii.String("Average")})
	}
	alarms := []awscloudwatch.Alarm{
		a.New(c, "Cpu", db.MetricCPUUtilization(five), Spec{
			Description: "Database CPU above 80 % for 15 minutes: look at Performance Insights' top SQL; consider a larger class or more replicas.",
			Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
		}),
		a.New(c, "FreeStorage", db.MetricFreeStorageSpace(five), Spec{
			Description: fmt.Sprintf("Less than %d GiB free: storage autoscaling is at MaxAllocatedStorageGiB or cannot keep up; raise the ceiling.", p.FreeStorageGiB),
			Threshold:   float64(p.FreeStorageGiB) * (1 << 30), Comparison: Less, Periods: 1, DatapointsToAlarm: 1, MissingData: Breaching,
		}),
		a.New(c, "FreeableMemory", db.MetricFreeableMemory(five), Spec{
			Description: "Less than 256 MiB freeable memory on the writer: the instance swaps; review connections and work_mem or scale up.",
			Threshold:   256 * (1 << 20), Comparison: Less, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
		}),
		a.New(c, "Connections", db.MetricDatabaseConnections(five), Spec{
			Description: fmt.Sprintf("More than %d connections on the writer: connection leak or too many tasks; check pool sizes.", p.MaxConnections),
			Threshold:   float64(p.MaxConnections), Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
		}),
		a.New(c, "ReadLatency", latency("ReadLatency"), Spec{
			Description: "Writer read latency above 20 ms: storage throughput is saturated (gp3 IOPS) or queries scan too much.",
			Threshold:   0.02, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}),
		a.New(c, "WriteLatency", latency("WriteLatency"), Spec{
			Description: "Writer write latency above 20 ms: storage throughput is saturated or a Multi-AZ standby lags.",
			Threshold:   0.02, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}),
	}
	for i, replica := range p.Replicas {
		alarms = append(alarms, a.New(c, fmt.Sprintf("Replica%dLag", i+1),
			replica.Metric(jsii.String("ReplicaLag"), &awscloudwatch.MetricOptions{Period: Minutes(1), Statistic: jsii.String("Maximum")}), Spec{
				Description: fmt.Sprintf("Read replica %d is more than 30 s behind: menus read stale data; check the writer's write load.", i+1),
				Threshold:   30, Comparison: Greater, Periods: 5, DatapointsToAlarm: 3, MissingData: Breaching,
			}))
	}
	return alarms
}

// CacheProps are the resources and thresholds of the cache's alarms.
type CacheProps struct {
	// ReplicationGroupID is the replication group's id; its nodes are <id>-001, -002 …
	ReplicationGroupID *string
	// Nodes is the number of nodes (1 + replicas).
	Nodes int
	// MaxConnections alarms when a node holds more client connections.
	MaxConnections int
}

// CacheNodeMetric returns a Redis metric of one node (1-based).
func CacheNodeMetric(groupID *string, node int, name, statistic string, period awscdk.Duration) awscloudwatch.Metric {
	nodeID := awscdk.Fn_Join(jsii.String(""), &[]*string{groupID, jsii.String(fmt.Sprintf("-%03d", node))})
	return Metric("AWS/ElastiCache", name, statistic, period, map[string]*string{"CacheClusterId": nodeID})
}

// CacheAlarms declares the cache's alarms over the worst node (metric math MAX).
func (a Alarms) CacheAlarms(scope constructs.Construct, p CacheProps) []awscloudwatch.Alarm {
	c := constructs.NewConstruct(scope, jsii.String("CacheAlarms"))
	worst := func(name, statistic, label string, nodes []int) awscloudwatch.MathExpression {
		using := map[string]awscloudwatch.IMetric{}
		ids := ""
		for _, n := range nodes {
			id := fmt.Sprintf("n%d", n)
			using[id] = CacheNodeMetric(p.ReplicationGroupID, n, name, statistic, Minutes(5))
			if ids != "" {
				ids += ", "
			}
			ids += id
		}
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("MAX([" + ids + "])"), UsingMetrics: &using, Label: jsii.String(label), Period: Minutes(5),
		})
	}
	all := make([]int, p.Nodes)
	for i := range all {
		all[i] = i + 1
	}
	alarms := []awscloudwatch.Alarm{
		a.New(c, "EngineCpu", worst("EngineCPUUtilization", "Average", "Redis engine CPU (worst node)", all), Spec{
			Description: "Redis engine CPU above 80 % on a node: hot keys or expensive commands (see the slow log).",
			Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
		}),
		a.New(c, "Memory", worst("DatabaseMemoryUsagePercentage", "Average", "Redis memory (worst node)", all), Spec{
			Description: "Redis memory above 80 % on a node: evictions follow; raise Cache.NodeType or shorten TTLs.",
			Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
		}),
		a.New(c, "Evictions", worst("Evictions", "Sum", "Redis evictions (worst node)", all), Spec{
			Description: "Redis evicts keys: the cache is too small for the working set; menus fall back to the database.",
			Threshold:   100, Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
		}),
		a.New(c, "Connections", worst("CurrConnections", "Maximum", "Redis connections (worst node)", all), Spec{
			Description: fmt.Sprintf("More than %d client connections on a Redis node: a connection leak in the API.", p.MaxConnections),
			Threshold:   float64(p.MaxConnections), Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
		}),
	}
	if p.Nodes > 1 {
		alarms = append(alarms, a.New(c, "ReplicationLag", worst("ReplicationLag", "Maximum", "Redis replication lag (worst replica)", all[1:]), Spec{
			Description: "A Redis replica is more than 5 s behind the primary: a failover would lose recent writes.",
			Threshold:   5, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}))
	}
	return alarms
}

// WafBlockedAlarm alarms on a spike of requests a web ACL blocks. Regional ACLs report
// with a Region dimension, CloudFront ones without.
func (a Alarms) WafBlockedAlarm(scope constructs.Construct, id string, aclMetricName string, region *string, threshold int) awscloudwatch.Alarm {
	dims := map[string]*string{"WebACL": jsii.String(aclMetricName), "Rule": jsii.String("ALL")}
	if region != nil {
		dims["Region"] = region
	}
	return a.New(scope, id, Metric("AWS/WAFV2", "BlockedRequests", "Sum", Minutes(5), dims), Spec{
		Description: fmt.Sprintf("WAF blocked more than %d requests in 5 minutes: an attack, or a rule blocking real users (see the WAF logs' terminatingRuleId).", threshold),
		Threshold:   float64(threshold), Comparison: Greater, Periods: 1, DatapointsToAlarm: 1, MissingData: NotBreaching,
	})
}
