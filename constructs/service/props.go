package service

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/garcon/infrastructure/constructs/dns"
	"github.com/garcon/infrastructure/internal/validation"
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
