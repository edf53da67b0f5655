package service

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/constructs/observability"
)

// newDeploymentAlarms returns the alarms that roll back a deployment — a 5xx rate over the
// configured share, or any unhealthy target for two of three minutes — and their names.
func newDeploymentAlarms(c constructs.Construct, p Props, alb awselasticloadbalancingv2.ApplicationLoadBalancer,
	tg, canary awselasticloadbalancingv2.ApplicationTargetGroup) ([]awscloudwatch.Alarm, []*string) {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	// The service refers to its deployment alarms by name, so they get explicit names (the
	// stack's name first, like every generated alarm name, which the alarm topic's policy
	// relies on): CDK warns that a reference to a generated name can make the alarm and
	// the service depend on each other.
	name := func(suffix string) *string { return jsii.String(*awscdk.Stack_Of(c).StackName() + "-" + suffix) }
	errorRate := observability.ErrorRate(alb)
	rate := errorRate.CreateAlarm(c, jsii.String("Http5xxRateAlarm"), &awscloudwatch.CreateAlarmOptions{
		AlarmName:          name("ApiHttp5xxRate"),
		AlarmDescription:   jsii.String(fmt.Sprintf("API answers more than %.0f%% 5xx: a deployment in progress rolls back", p.Alarm5xxPercent)),
		Threshold:          jsii.Number(p.Alarm5xxPercent),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(2),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING, // no traffic is not an error
	})
	// Every group ECS may route to: during a canary the new revision's tasks are in the
	// group that is not live, and after it that group is the live one.
	unhealthyTargets := observability.UnhealthyTargets(groupsOf(tg, canary), "Maximum", minute)
	unhealthy := awscloudwatch.NewAlarm(c, jsii.String("UnhealthyTargetsAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:          name("ApiUnhealthyTargets"),
		Metric:             unhealthyTargets,
		AlarmDescription:   jsii.String("API targets fail /health: a deployment in progress rolls back"),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(2),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	return []awscloudwatch.Alarm{rate, unhealthy}, []*string{name("ApiHttp5xxRate"), name("ApiUnhealthyTargets")}
}

// addAutoScaling tracks CPU, memory and requests per task, scaling out fast and in slowly.
func addAutoScaling(fargate awsecs.FargateService, alb awselasticloadbalancingv2.ApplicationLoadBalancer,
	cluster awsecs.ICluster, p Props) {
	scaling := fargate.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(p.MinTasks),
		MaxCapacity: jsii.Number(p.MaxTasks),
	})
	scaleIn, scaleOut := awscdk.Duration_Minutes(jsii.Number(5)), awscdk.Duration_Minutes(jsii.Number(1))
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(60), ScaleInCooldown: scaleIn, ScaleOutCooldown: scaleOut,
	})
	scaling.ScaleOnMemoryUtilization(jsii.String("Memory"), &awsecs.MemoryUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(70), ScaleInCooldown: scaleIn, ScaleOutCooldown: scaleOut,
	})
	target, ok := scaling.Node().FindChild(jsii.String("Target")).(awsapplicationautoscaling.ScalableTarget)
	if !ok {
		panic("service: the task count's scalable target is no longer its child \"Target\"")
	}
	scaleOnRequestsPerTask(target, alb, cluster, fargate, int(*scaleIn.ToSeconds(nil)), int(*scaleOut.ToSeconds(nil)))
}

// RequestsPerTask is the request rate per running task, per minute, that scaling keeps.
const RequestsPerTask = 1000

// scaleOnRequestsPerTask adds target tracking on the load balancer's requests per running
// task. The predefined ALBRequestCountPerTarget follows one target group, which is idle
// after every other canary release; the load balancer's RequestCount divided by the
// service's running tasks (Container Insights) follows whichever group is live. CDK's
// target tracking takes single metrics only, so the policy is written as its L1 with a
// metric-math customized metric.
func scaleOnRequestsPerTask(target awsapplicationautoscaling.ScalableTarget, alb awselasticloadbalancingv2.ApplicationLoadBalancer,
	cluster awsecs.ICluster, fargate awsecs.FargateService, scaleIn, scaleOut int) {
	stat := func(namespace, name, statistic string, dims map[string]*string) *awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricStatProperty {
		var dimensions []any
		for _, k := range sortedKeys(dims) {
			dimensions = append(dimensions, &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricDimensionProperty{Name: jsii.String(k), Value: dims[k]})
		}
		return &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricStatProperty{
			Metric: &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricProperty{
				Namespace: jsii.String(namespace), MetricName: jsii.String(name), Dimensions: &dimensions,
			},
			Stat: jsii.String(statistic),
		}
	}
	awsapplicationautoscaling.NewCfnScalingPolicy(target, jsii.String("Requests"), &awsapplicationautoscaling.CfnScalingPolicyProps{
		PolicyName:      jsii.String(*awscdk.Names_UniqueId(target) + "Requests"),
		PolicyType:      jsii.String("TargetTrackingScaling"),
		ScalingTargetId: target.ScalableTargetId(),
		TargetTrackingScalingPolicyConfiguration: &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingScalingPolicyConfigurationProperty{
			TargetValue:      jsii.Number(RequestsPerTask),
			ScaleInCooldown:  jsii.Number(scaleIn),
			ScaleOutCooldown: jsii.Number(scaleOut),
			CustomizedMetricSpecification: &awsapplicationautoscaling.CfnScalingPolicy_CustomizedMetricSpecificationProperty{
				Metrics: &[]any{
					&awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricDataQueryProperty{
						Id:         jsii.String("requests"),
						MetricStat: stat("AWS/ApplicationELB", "RequestCount", "Sum", map[string]*string{"LoadBalancer": alb.LoadBalancerFullName()}),
						ReturnData: jsii.Bool(false),
					},
					&awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricDataQueryProperty{
						Id: jsii.String("tasks"),
						MetricStat: stat("ECS/ContainerInsights", "RunningTaskCount", "Average",
							map[string]*string{"ClusterName": cluster.ClusterName(), "ServiceName": fargate.ServiceName()}),
						ReturnData: jsii.Bool(false),
					},
					&awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingMetricDataQueryProperty{
						Id:         jsii.String("perTask"),
						Expression: jsii.String("requests / tasks"),
						Label:      jsii.String("requests per running task"),
						ReturnData: jsii.Bool(true),
					},
				},
			},
		},
	})
}
