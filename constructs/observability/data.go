package observability

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DatabaseProps are the resources and thresholds of the database's signals.
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

// MonitorDatabase declares the signals of the writer and its replicas.
func (m *Monitoring) MonitorDatabase(scope constructs.Construct, p DatabaseProps) {
	c := constructs.NewConstruct(scope, jsii.String("DatabaseAlarms"))
	db := p.Instance
	five := &awscloudwatch.MetricOptions{Period: Minutes(5)}
	latency := func(name string) awscloudwatch.Metric {
		return db.Metric(jsii.String(name), &awscloudwatch.MetricOptions{Period: Minutes(5), Statistic: jsii.String("Average")})
	}
	cpu := Panel{Saturation, "Database CPU (%) writer and replicas"}
	m.Alarm(c, "Cpu", db.MetricCPUUtilization(five), Spec{
		Description: "Database CPU above 80 % for 15 minutes: look at Performance Insights' top SQL; consider a larger class or more replicas.",
		Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
	}, cpu)
	m.Alarm(c, "FreeStorage", db.MetricFreeStorageSpace(five), Spec{
		Description: fmt.Sprintf("Less than %d GiB free: storage autoscaling is at MaxAllocatedStorageGiB or cannot keep up; raise the ceiling.", p.FreeStorageGiB),
		Threshold:   float64(p.FreeStorageGiB) * (1 << 30), Comparison: Less, Periods: 1, DatapointsToAlarm: 1, MissingData: Breaching,
	}, Panel{Saturation, "Database free storage (bytes)"})
	m.Alarm(c, "FreeableMemory", db.MetricFreeableMemory(five), Spec{
		Description: "Less than 256 MiB freeable memory on the writer: the instance swaps; review connections and work_mem or scale up.",
		Threshold:   256 * (1 << 20), Comparison: Less, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
	}, Panel{Saturation, "Database freeable memory (bytes)"})
	m.Alarm(c, "Connections", db.MetricDatabaseConnections(five), Spec{
		Description: fmt.Sprintf("More than %d connections on the writer: connection leak or too many tasks; check pool sizes.", p.MaxConnections),
		Threshold:   float64(p.MaxConnections), Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
	}, Panel{Saturation, "Database connections"})
	rw := Panel{Latency, "Database read / write latency"}
	m.Alarm(c, "ReadLatency", latency("ReadLatency"), Spec{
		Description: "Writer read latency above 20 ms: storage throughput is saturated (gp3 IOPS) or queries scan too much.",
		Threshold:   0.02, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
	}, rw)
	m.Alarm(c, "WriteLatency", latency("WriteLatency"), Spec{
		Description: "Writer write latency above 20 ms: storage throughput is saturated or a Multi-AZ standby lags.",
		Threshold:   0.02, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
	}, rw)
	for i, replica := range p.Replicas {
		m.Graph(replica.MetricCPUUtilization(five), cpu)
		m.Alarm(c, fmt.Sprintf("Replica%dLag", i+1),
			replica.Metric(jsii.String("ReplicaLag"), &awscloudwatch.MetricOptions{Period: Minutes(1), Statistic: jsii.String("Maximum")}), Spec{
				Description: fmt.Sprintf("Read replica %d is more than 30 s behind: menus read stale data; check the writer's write load.", i+1),
				Threshold:   30, Comparison: Greater, Periods: 5, DatapointsToAlarm: 3, MissingData: Breaching,
			}, Panel{Latency, "Replica lag (s)"})
	}
}

// CacheProps are the resources and thresholds of the cache's signals.
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

// worstNode is metric math over the given nodes' metric: the worst (MAX) of them, which is
// what a single overloaded node looks like to the API.
func worstNode(p CacheProps, name, statistic, label string, nodes []int) awscloudwatch.MathExpression {
	using := map[string]awscloudwatch.IMetric{}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = fmt.Sprintf("n%d", n)
		using[ids[i]] = CacheNodeMetric(p.ReplicationGroupID, n, name, statistic, Minutes(5))
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("MAX([" + strings.Join(ids, ", ") + "])"), UsingMetrics: &using, Label: jsii.String(label), Period: Minutes(5),
	})
}

// MonitorCache declares the cache's signals over its worst node.
func (m *Monitoring) MonitorCache(scope constructs.Construct, p CacheProps) {
	c := constructs.NewConstruct(scope, jsii.String("CacheAlarms"))
	all := make([]int, p.Nodes)
	for i := range all {
		all[i] = i + 1
	}
	m.Alarm(c, "EngineCpu", worstNode(p, "EngineCPUUtilization", "Average", "Redis engine CPU (worst node)", all), Spec{
		Description: "Redis engine CPU above 80 % on a node: hot keys or expensive commands (see the slow log).",
		Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
	}, Panel{Saturation, "Redis engine CPU (%), worst node"})
	m.Alarm(c, "Memory", worstNode(p, "DatabaseMemoryUsagePercentage", "Average", "Redis memory (worst node)", all), Spec{
		Description: "Redis memory above 80 % on a node: evictions follow; raise Cache.NodeType or shorten TTLs.",
		Threshold:   80, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: Breaching,
	}, Panel{Saturation, "Redis memory (%), worst node"})
	m.Alarm(c, "Evictions", worstNode(p, "Evictions", "Sum", "Redis evictions (worst node)", all), Spec{
		Description: "Redis evicts keys: the cache is too small for the working set; menus fall back to the database.",
		Threshold:   100, Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
	}, Panel{Saturation, "Redis evictions, worst node"})
	m.Alarm(c, "Connections", worstNode(p, "CurrConnections", "Maximum", "Redis connections (worst node)", all), Spec{
		Description: fmt.Sprintf("More than %d client connections on a Redis node: a connection leak in the API.", p.MaxConnections),
		Threshold:   float64(p.MaxConnections), Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
	}, Panel{Saturation, "Redis connections, worst node"})
	if p.Nodes > 1 {
		m.Alarm(c, "ReplicationLag", worstNode(p, "ReplicationLag", "Maximum", "Redis replication lag (worst replica)", all[1:]), Spec{
			Description: "A Redis replica is more than 5 s behind the primary: a failover would lose recent writes.",
			Threshold:   5, Comparison: Greater, Periods: 3, DatapointsToAlarm: 3, MissingData: NotBreaching,
		}, Panel{Latency, "Redis replication lag (s), worst replica"})
	}
}
