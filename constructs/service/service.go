// Package service provides the API of an environment: an ECS cluster, a Fargate service
// built from the app/ image, an HTTPS Application Load Balancer with its certificate and
// DNS records, auto scaling, and deployments that roll back on failure or on alarm.
package service

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/constructs/dns"
	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/internal/validation"
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

// Props configures a Service.
type Props struct {
	// Vpc hosts the tasks (private subnets) and the load balancer (public subnets).
	Vpc awsec2.IVpc
	// ImageDirectory is the Docker build context of the API (the app/ directory).
	ImageDirectory string
	// Arm64 runs the tasks on Graviton (and builds the image for linux/arm64); else x86_64.
	Arm64 bool
	// CPU is the task CPU in units; MemoryMiB its memory (a valid Fargate pair).
	CPU int
	// MemoryMiB is the task memory.
	MemoryMiB int
	// MinTasks is the initial desired count and the auto-scaling floor.
	MinTasks int
	// MaxTasks is the auto-scaling ceiling.
	MaxTasks int
	// Environment is the non-secret configuration of the container.
	Environment map[string]string
	// Secrets are injected by ECS from Secrets Manager at start; never plain environment.
	Secrets map[string]awsecs.Secret
	// Labels are Docker labels of the container: a value that must start new tasks when
	// it changes (such as a revision of the values the environment reads from other
	// stacks) belongs here.
	// Default: none.
	Labels map[string]string
	// LogRetention is how long the container logs are kept.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the container logs; its policy must admit CloudWatch Logs.
	// Default: no KMS encryption (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// HostedZone holds the API's DNS records and validates its certificate.
	HostedZone awsroute53.IHostedZone
	// DomainName is the API's fully qualified host name, inside HostedZone, e.g.
	// "api.garcon.app".
	DomainName string
	// AccessLogs receives the load balancer's access logs (SSE-S3 bucket).
	AccessLogs awss3.IBucket
	// Protected turns on load balancer deletion protection and retains logs: production.
	// Default: false.
	Protected bool
	// Canary deploys new revisions with ECS's native canary strategy: CanaryPercent of the
	// traffic moves to the new tasks (a second target group) for CanaryBakeMinutes, then
	// the rest; an alarm during the bake rolls back instantly by switching the listener
	// rule back. Default: false (rolling deployments with the circuit breaker).
	Canary bool
	// CanaryPercent is the share of traffic the new revision takes first (0.1–100).
	// Default: 10.
	CanaryPercent float64
	// CanaryBakeMinutes is how long the canary runs before the rest of the traffic moves.
	// Default: 10.
	CanaryBakeMinutes int
	// Alarm5xxPercent is the share of 5xx answers (load balancer and targets) that rolls a
	// deployment back.
	// Default: 5.
	Alarm5xxPercent float64
	// Tracing runs the AWS Distro for OpenTelemetry collector beside the API, which sends
	// the API's spans to X-Ray.
	// Default: nil (no sidecar, the API exports no spans).
	Tracing *TracingProps
	// EcsExec allows ECS Exec sessions into the API containers through one named role.
	// Default: nil (ECS Exec off, nothing of it created).
	EcsExec *EcsExecProps
}

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

func newLoadBalancer(c constructs.Construct, p Props, certificate awscertificatemanager.ICertificate, fargate awsecs.FargateService) (
	awselasticloadbalancingv2.ApplicationLoadBalancer, awselasticloadbalancingv2.ApplicationTargetGroup, awselasticloadbalancingv2.ApplicationTargetGroup) {
	alb := awselasticloadbalancingv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(true),
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		IpAddressType:           awselasticloadbalancingv2.IpAddressType_DUAL_STACK,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(p.Protected),
	})
	alb.LogAccessLogs(p.AccessLogs, jsii.String("alb/api"))
	for _, port := range []float64{80, 443} {
		alb.Connections().AllowFromAnyIpv4(awsec2.Port_Tcp(jsii.Number(port)), jsii.String("public API (IPv4)"))
		alb.Connections().AllowFrom(awsec2.Peer_AnyIpv6(), awsec2.Port_Tcp(jsii.Number(port)), jsii.String("public API (IPv6)"))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(alb, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-EC23"), Reason: jsii.String("The public API's load balancer must accept HTTP (redirected) and HTTPS from the whole internet; WAF filters what reaches it.")},
	}, jsii.Bool(true))

	redirect := alb.AddRedirect(&awselasticloadbalancingv2.ApplicationLoadBalancerRedirectConfig{
		SourcePort: jsii.Number(80), SourceProtocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		TargetPort: jsii.Number(443), TargetProtocol: awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Open: jsii.Bool(false), // opened above, for IPv4 and IPv6
	})
	cdknag.NagSuppressions_AddResourceSuppressions(redirect, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-ELBv2ACMCertificateRequired"), Reason: jsii.String("This listener only answers plain HTTP with a permanent redirect to HTTPS; no content is served on it.")},
	}, jsii.Bool(false))
	https := alb.AddListener(jsii.String("Https"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:         jsii.Number(443),
		Protocol:     awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Certificates: &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromCertificateManager(certificate)},
		// TLS 1.3 and 1.2 with forward-secret AEAD ciphers only, plus post-quantum key exchange.
		SslPolicy: awselasticloadbalancingv2.SslPolicy_TLS13_12_RES_PQ,
		Open:      jsii.Bool(false),
	})
	// HSTS on every HTTPS response, set by the load balancer (ALB response header
	// modification) so no handler or error page can forget it; the static host gets the
	// same policy from CloudFront's response headers.
	https.SetAttribute(jsii.String("routing.http.response.strict_transport_security.header_value"), jsii.String(HSTS))
	healthCheck := &awselasticloadbalancingv2.HealthCheck{
		Path:                    jsii.String(HealthCheckPath),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(3),
	}
	if !p.Canary {
		targetGroup := https.AddTargets(jsii.String("Api"), &awselasticloadbalancingv2.AddApplicationTargetsProps{
			Port:                jsii.Number(ContainerPort),
			Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTP,
			Targets:             &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{fargate},
			HealthCheck:         healthCheck,
			DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DeregistrationDelay)),
		})
		return alb, targetGroup, nil
	}

	// Canary: the tasks of the running revision sit in the main group, the new revision's
	// in the canary group, and ECS moves the weights of the production rule between them.
	newGroup := func(id string) awselasticloadbalancingv2.ApplicationTargetGroup {
		return awselasticloadbalancingv2.NewApplicationTargetGroup(c, jsii.String(id), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
			Vpc:                 p.Vpc,
			Port:                jsii.Number(ContainerPort),
			Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTP,
			TargetType:          awselasticloadbalancingv2.TargetType_IP,
			HealthCheck:         healthCheck,
			DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DeregistrationDelay)),
		})
	}
	mainGroup, canaryGroup := newGroup("Targets"), newGroup("CanaryTargets")
	https.AddAction(jsii.String("Default"), &awselasticloadbalancingv2.AddApplicationActionProps{
		Action: awselasticloadbalancingv2.ListenerAction_FixedResponse(jsii.Number(404), &awselasticloadbalancingv2.FixedResponseOptions{
			ContentType: jsii.String("application/json"),
			MessageBody: jsii.String(`{"error":{"code":"not_found","message":"no route"}}`),
		}),
	})
	productionRule := awselasticloadbalancingv2.NewApplicationListenerRule(c, jsii.String("ProductionRule"), &awselasticloadbalancingv2.ApplicationListenerRuleProps{
		Listener:   https,
		Priority:   jsii.Number(10),
		Conditions: &[]awselasticloadbalancingv2.ListenerCondition{awselasticloadbalancingv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))},
		// Both groups belong to the rule (100/0): ECS moves the weights during a deployment.
		Action: awselasticloadbalancingv2.ListenerAction_WeightedForward(&[]*awselasticloadbalancingv2.WeightedTargetGroup{
			{TargetGroup: mainGroup, Weight: jsii.Number(100)},
			{TargetGroup: canaryGroup, Weight: jsii.Number(0)},
		}, nil),
	})
	target := fargate.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
		ContainerName: jsii.String("api"),
		ContainerPort: jsii.Number(ContainerPort),
		AlternateTarget: awsecs.NewAlternateTarget(jsii.String("Canary"), &awsecs.AlternateTargetProps{
			AlternateTargetGroup: canaryGroup,
			ProductionListener:   awsecs.ListenerRuleConfiguration_ApplicationListenerRule(productionRule),
		}),
	})
	target.AttachToApplicationTargetGroup(mainGroup)
	cdknag.NagSuppressions_AddResourceSuppressions(fargate, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("AmazonECSInfrastructureRolePolicyForLoadBalancers is the AWS-maintained policy ECS documents for shifting listener-rule weights during canary deployments."),
			AppliesTo: &[]any{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")}},
	}, jsii.Bool(true))
	return alb, mainGroup, canaryGroup
}

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

// groupsOf lists the target groups ECS may route to (canary may be nil).
func groupsOf(main, canary awselasticloadbalancingv2.ApplicationTargetGroup) []awselasticloadbalancingv2.ApplicationTargetGroup {
	if canary == nil {
		return []awselasticloadbalancingv2.ApplicationTargetGroup{main}
	}
	return []awselasticloadbalancingv2.ApplicationTargetGroup{main, canary}
}

func sortedKeys(m map[string]*string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (p *Props) withDefaults() Props {
	out := *p
	if out.CanaryPercent == 0 {
		out.CanaryPercent = 10
	}
	if out.CanaryBakeMinutes == 0 {
		out.CanaryBakeMinutes = 10
	}
	if out.Alarm5xxPercent == 0 {
		out.Alarm5xxPercent = 5
	}
	return out
}

// fargateMemory lists the valid memory sizes (MiB) per task CPU value.
var fargateMemory = map[int][2]int{256: {512, 2048}, 512: {1024, 4096}, 1024: {2048, 8192}, 2048: {4096, 16384}, 4096: {8192, 30720}}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Vpc != nil, "Vpc", "is required; allowed: the environment's VPC (tasks in private, load balancer in public subnets)")
	v.Require(p.AccessLogs != nil, "AccessLogs", "is required; allowed: an SSE-S3 bucket for the load balancer's access logs")
	v.Require(p.ImageDirectory != "", "ImageDirectory", "is empty; allowed: the API's Docker build context (app/)")
	if p.HostedZone == nil {
		v.Addf("HostedZone", "is required; allowed: the zone of this account that holds the API's records")
	} else if zone := p.HostedZone.ZoneName(); zone != nil && !dns.InZone(p.DomainName, *zone) {
		v.Addf("DomainName", "%q is not inside the zone %s; allowed: a name in it, e.g. api.%s", p.DomainName, *zone, *zone)
	}
	v.Require(p.DomainName != "", "DomainName", "is empty; allowed: the API's fully qualified host name")
	if r, ok := fargateMemory[p.CPU]; !ok {
		v.Addf("CPU", "is %d; allowed: 256, 512, 1024, 2048, 4096", p.CPU)
	} else if p.MemoryMiB < r[0] || p.MemoryMiB > r[1] {
		v.Addf("MemoryMiB", "is %d; allowed with CPU %d: %d to %d", p.MemoryMiB, p.CPU, r[0], r[1])
	}
	v.Require(p.MinTasks >= 1 && p.MaxTasks >= p.MinTasks, "MinTasks/MaxTasks", fmt.Sprintf("%d / %d; allowed: 1 <= MinTasks <= MaxTasks", p.MinTasks, p.MaxTasks))
	v.Require(p.LogRetention != "", "LogRetention", "is required; allowed: an awslogs.RetentionDays")
	v.Require(p.CanaryPercent > 0 && p.CanaryPercent <= 100, "CanaryPercent", fmt.Sprintf("is %g; allowed: 0.1 to 100", p.CanaryPercent))
	v.Require(p.Alarm5xxPercent > 0 && p.Alarm5xxPercent <= 100, "Alarm5xxPercent", fmt.Sprintf("is %g; allowed: 0.1 to 100", p.Alarm5xxPercent))
	for _, name := range sortedKeys(stringPointers(p.Environment)) {
		if _, secret := p.Secrets[name]; secret {
			v.Addf("Environment", "%s is also a secret; allowed: each variable in one of Environment and Secrets", name)
		}
		if _, tracing := tracingEnvironment(p.Tracing)[name]; tracing {
			v.Addf("Environment", "%s is set by Tracing; allowed: leave it to the Tracing prop", name)
		}
	}
	p.validateSidecars(v)
	return v
}

func stringPointers(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return out
}
