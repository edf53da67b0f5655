package observability

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
)

// Target groups under ECS canary (and blue/green) deployments: the new revision starts in
// the group that is not live, ECS moves the listener's traffic to it, and it stays live
// until the next release swaps them back. A metric of one group watches an idle group
// after every other release, so every target metric the project alarms on, scales on or
// graphs is taken over all the groups ECS may route to (or from the load balancer).

// HealthyTargets is the number of healthy targets over groups (their sum): the live
// group's, plus the new revision's during a deployment. With no data from any group it
// has no data, which an alarm can treat as breaching.
func HealthyTargets(groups []awselasticloadbalancingv2.ApplicationTargetGroup, statistic string, period awscdk.Duration) awscloudwatch.IMetric {
	return overGroups(groups, "healthy", "healthy targets", func(g awselasticloadbalancingv2.ApplicationTargetGroup) awscloudwatch.IMetric {
		return g.Metrics().HealthyHostCount(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String(statistic)})
	}, period)
}

// UnhealthyTargets is the number of unhealthy targets over groups (their sum).
func UnhealthyTargets(groups []awselasticloadbalancingv2.ApplicationTargetGroup, statistic string, period awscdk.Duration) awscloudwatch.IMetric {
	return overGroups(groups, "unhealthy", "unhealthy targets", func(g awselasticloadbalancingv2.ApplicationTargetGroup) awscloudwatch.IMetric {
		return g.Metrics().UnhealthyHostCount(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String(statistic)})
	}, period)
}

// ResponseTime is the targets' response time at the load balancer, whichever group
// answered: AWS/ApplicationELB TargetResponseTime with only the LoadBalancer dimension.
func ResponseTime(alb awselasticloadbalancingv2.IApplicationLoadBalancer, statistic string, period awscdk.Duration) awscloudwatch.Metric {
	return alb.Metrics().TargetResponseTime(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String(statistic)})
}

// overGroups sums metric over groups; a single group's metric is returned as it is. The
// metric ids start with idPrefix: ids must be unique within a graph.
func overGroups(groups []awselasticloadbalancingv2.ApplicationTargetGroup, idPrefix, label string,
	metric func(awselasticloadbalancingv2.ApplicationTargetGroup) awscloudwatch.IMetric, period awscdk.Duration) awscloudwatch.IMetric {
	if len(groups) == 1 {
		return metric(groups[0])
	}
	using := map[string]awscloudwatch.IMetric{}
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = fmt.Sprintf("%s%d", idPrefix, i+1)
		using[ids[i]] = metric(g)
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		// SUM over an array adds the groups that report at each timestamp: an empty
		// alternate group reports nothing and counts for nothing.
		Expression:   jsii.String("SUM([" + strings.Join(ids, ", ") + "])"),
		UsingMetrics: &using,
		Label:        jsii.String(label + " (all target groups)"),
		Period:       period,
	})
}
