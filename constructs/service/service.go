// Package service provides the API of an environment: an ECS cluster, a Fargate service
// built from the app/ image, an HTTPS Application Load Balancer with its certificate and
// DNS records, auto scaling, and deployments that roll back on failure or on alarm.
package service

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/constructs/dns"
)

// ContainerUser is the uid:gid the API runs as: distroless's "nonroot", the image's USER.
const ContainerUser = "65532:65532"

// HSTS is the Strict-Transport-Security header the HTTPS listener adds to every response:
// two years, subdomains, preload — the static host's CloudFront policy, for the API.
const HSTS = "max-age=63072000; includeSubDomains; preload"

// Timing contract with the app (see app/README.md): the app finishes in-flight requests
// within SHUTDOWN_TIMEOUT (25 s) of SIGTERM, below StopTimeout, after which ECS kills it;
// the load balancer stops routing new requests to a draining task after
// DeregistrationDelay, which is shorter still.
const (
	// ContainerPort is the port the API listens on (PORT).
	ContainerPort = 8080
	// HealthCheckPath is the load balancer's health check: 200 when the API can serve.
	HealthCheckPath = "/health"
	// StopTimeout is how long ECS waits after SIGTERM before SIGKILL.
	StopTimeout = 30
	// DeregistrationDelay is how long the load balancer drains a deregistering target.
	DeregistrationDelay = 20
)

// Service is the API behind its load balancer.
type Service struct {
	constructs.Construct
	// Cluster is the ECS cluster (Container Insights enhanced).
	Cluster awsecs.Cluster
	// TaskDefinition is the API's task definition; its TaskRole() is what the app may do.
	TaskDefinition awsecs.FargateTaskDefinition
	// Service is the Fargate service; allow it to dependencies with Connections().
	Service awsecs.FargateService
	// LoadBalancer is the internet-facing, dual-stack load balancer.
	LoadBalancer awselasticloadbalancingv2.ApplicationLoadBalancer
	// TargetGroup routes to the tasks and health-checks HealthCheckPath.
	TargetGroup awselasticloadbalancingv2.ApplicationTargetGroup
	// CanaryTargetGroup receives the new revision's tasks during a canary deployment
	// (nil without Canary).
	CanaryTargetGroup awselasticloadbalancingv2.ApplicationTargetGroup
	// TargetGroups are every group ECS may route traffic through: TargetGroup, and
	// CanaryTargetGroup with Canary. Under canary deployments the live one alternates
	// with each release; metrics over all of them follow it.
	TargetGroups []awselasticloadbalancingv2.ApplicationTargetGroup
	// Certificate is the API's DNS-validated ACM certificate.
	Certificate awscertificatemanager.Certificate
	// DomainName is the API's fully qualified host name.
	DomainName string
	// DeploymentAlarms roll a deployment back when they fire (5xx rate, unhealthy targets).
	DeploymentAlarms []awscloudwatch.Alarm
	// LogGroup receives the container logs.
	LogGroup awslogs.LogGroup
	// ExecRole is the one role that may open ECS Exec sessions (nil without EcsExec).
	ExecRole awsiam.Role
}

// New creates the cluster, service, load balancer, certificate, DNS records and scaling.
func New(scope constructs.Construct, id string, props *Props) *Service {
	p := props.withDefaults()
	p.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := awscdk.RemovalPolicy_DESTROY
	if p.Protected {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	domain := p.DomainName

	cluster := newCluster(c, p)
	logGroup := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: p.LogEncryptionKey,
		RemovalPolicy: removal,
	})
	task := newTaskDefinition(c, p, logGroup)
	fargate := newFargateService(c, p, cluster, task)

	certificate := dns.Certificate(c, p.HostedZone, domain)
	alb, targetGroup, canaryGroup := newLoadBalancer(c, p, certificate, fargate)
	alarms, alarmNames := newDeploymentAlarms(c, p, alb, targetGroup, canaryGroup)
	fargate.EnableDeploymentAlarms(&alarmNames, &awsecs.DeploymentAlarmOptions{
		Behavior: awsecs.AlarmBehavior_ROLLBACK_ON_ALARM,
	})
	addAutoScaling(fargate, alb, cluster, p)
	dns.Aliases(c, p.HostedZone, domain, awsroute53targets.NewLoadBalancerTarget(alb, nil))
	var execRole awsiam.Role
	if p.EcsExec != nil {
		execRole = newExecRole(c, p, cluster)
	}
	suppressTaskRoleWildcards(task, p)

	return &Service{
		Construct: c, Cluster: cluster, TaskDefinition: task, Service: fargate, LoadBalancer: alb,
		TargetGroup: targetGroup, CanaryTargetGroup: canaryGroup, TargetGroups: groupsOf(targetGroup, canaryGroup), Certificate: certificate, DomainName: domain, DeploymentAlarms: alarms, LogGroup: logGroup,
		ExecRole: execRole,
	}
}

// newCluster is the cluster, with ECS Exec's session encryption and logging when on.
func newCluster(c constructs.Construct, p Props) awsecs.Cluster {
	clusterProps := &awsecs.ClusterProps{
		Vpc:                 p.Vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED,
	}
	if p.EcsExec != nil {
		clusterProps.ExecuteCommandConfiguration = newExecLogging(c, p)
	}
	return awsecs.NewCluster(c, jsii.String("Cluster"), clusterProps)
}

// newFargateService runs task in the private subnets behind its own security group, and
// deploys without dropping below the desired count.
func newFargateService(c constructs.Construct, p Props, cluster awsecs.Cluster, task awsecs.FargateTaskDefinition) awsecs.FargateService {
	taskSecurityGroup := awsec2.NewSecurityGroup(c, jsii.String("TaskSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("API tasks: from the load balancer only; out to AWS APIs and granted dependencies"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// Image pulls, Secrets Manager, S3 and CloudWatch Logs are HTTPS APIs reached through
	// the NAT gateways or VPC endpoints; the database and cache are added by Connections.
	taskSecurityGroup.Connections().AllowToAnyIpv4(awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs"))

	serviceProps := &awsecs.FargateServiceProps{
		Cluster:        cluster,
		TaskDefinition: task,
		DesiredCount:   jsii.Number(p.MinTasks),
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroups: &[]awsec2.ISecurityGroup{taskSecurityGroup},
		AssignPublicIp: jsii.Bool(false),
		// Start new tasks before stopping old ones: capacity never drops below desired.
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Migrations run at start and may wait up to 60 s for the lock another task holds;
		// give a new task that long before health checks count.
		HealthCheckGracePeriod:      awscdk.Duration_Seconds(jsii.Number(90)),
		AvailabilityZoneRebalancing: awsecs.AvailabilityZoneRebalancing_ENABLED,
		PropagateTags:               awsecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags:        jsii.Bool(true),
	}
	if p.EcsExec != nil {
		serviceProps.EnableExecuteCommand = jsii.Bool(true)
	}
	if p.Canary {
		serviceProps.DeploymentStrategy = awsecs.DeploymentStrategy_CANARY
		serviceProps.CanaryConfiguration = &awsecs.TrafficShiftConfig{
			StepPercent:  jsii.Number(p.CanaryPercent),
			StepBakeTime: awscdk.Duration_Minutes(jsii.Number(p.CanaryBakeMinutes)),
		}
	}
	return awsecs.NewFargateService(c, jsii.String("Service"), serviceProps)
}

func newTaskDefinition(c constructs.Construct, p Props, logGroup awslogs.ILogGroup) awsecs.FargateTaskDefinition {
	arch, platform := awsecs.CpuArchitecture_X86_64(), awsecrassets.Platform_LINUX_AMD64()
	if p.Arm64 {
		arch, platform = awsecs.CpuArchitecture_ARM64(), awsecrassets.Platform_LINUX_ARM64()
	}
	task := awsecs.NewFargateTaskDefinition(c, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(p.CPU),
		MemoryLimitMiB: jsii.Number(p.MemoryMiB),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
	})
	environment := map[string]*string{}
	for k, v := range p.Environment {
		environment[k] = jsii.String(v)
	}
	for k, v := range tracingEnvironment(p.Tracing) {
		environment[k] = jsii.String(v)
	}
	secrets := map[string]awsecs.Secret{}
	for k, v := range p.Secrets {
		secrets[k] = v
	}
	api := task.AddContainer(jsii.String("api"), &awsecs.ContainerDefinitionOptions{
		Image: awsecs.ContainerImage_FromAsset(jsii.String(p.ImageDirectory), &awsecs.AssetImageProps{Platform: platform}),
		PortMappings: &[]*awsecs.PortMapping{{
			ContainerPort: jsii.Number(ContainerPort),
			Protocol:      awsecs.Protocol_TCP,
		}},
		Environment:  &environment,
		DockerLabels: labels(p.Labels),
		Secrets:      &secrets,
		Logging: awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     logGroup,
			StreamPrefix: jsii.String("api"),
			// A slow CloudWatch Logs must never block the API; logs buffer in memory.
			Mode:          awsecs.AwsLogDriverMode_NON_BLOCKING,
			MaxBufferSize: awscdk.Size_Mebibytes(jsii.Number(25)),
		}),
		// The runtime image has no shell or curl: the binary checks itself.
		HealthCheck: &awsecs.HealthCheck{
			Command:     jsii.Strings("CMD", "/garcon", "healthcheck"),
			Interval:    awscdk.Duration_Seconds(jsii.Number(15)),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
			Retries:     jsii.Number(3),
			StartPeriod: awscdk.Duration_Seconds(jsii.Number(60)),
		},
		StopTimeout:            awscdk.Duration_Seconds(jsii.Number(StopTimeout)),
		ReadonlyRootFilesystem: jsii.Bool(true),
		// A hard limit: the container is stopped rather than starving the task (or its
		// collector sidecar, whose limit is taken out of the task's).
		MemoryLimitMiB: jsii.Number(p.MemoryMiB - collectorMemory(p)),
		// Non-root even if the image's USER changes: the task definition says so itself.
		User:      jsii.String(ContainerUser),
		Essential: jsii.Bool(true),
	})
	completeTask(c, task, api, p)
	return task
}

// completeTask adds the collector sidecar and ECS Exec's volumes where they are on, and
// the reasons for what cdk-nag flags on the task definition and its execution role.
func completeTask(c constructs.Construct, task awsecs.FargateTaskDefinition, api awsecs.ContainerDefinition, p Props) {
	if p.Tracing != nil {
		addCollector(c, task, api, p)
	}
	if p.EcsExec != nil {
		addExecVolumes(task, api)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(task, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-ECS2"), Reason: jsii.String("Only non-secret wiring (hosts, ports, bucket name, the tracing endpoint and the collector's configuration) is plain environment; every secret is injected from Secrets Manager.")},
	}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(task.ExecutionRole(), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("ecr:GetAuthorizationToken has no resource-level permissions; it must be granted on '*' for ECS to pull the image."),
			AppliesTo: &[]any{jsii.String("Resource::*")}},
	}, jsii.Bool(true))
}

// labels converts Props.Labels for the container definition (nil when there are none).
func labels(in map[string]string) *map[string]*string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*string, len(in))
	for k, v := range in {
		out[k] = jsii.String(v)
	}
	return &out
}

func sortedKeys(m map[string]*string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func stringPointers(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return out
}
