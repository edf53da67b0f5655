package service

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// CollectorImage is the AWS Distro for OpenTelemetry collector, pinned by digest: a tag
// can be moved, a digest cannot. The digest is v0.43.3's multi-platform image index as
// published (the same index on public.ecr.aws and Docker Hub's amazon/aws-otel-collector),
// as pinned in alphagov/pay-adot's Dockerfile (`amazon/aws-otel-collector:v0.43.3@sha256:8aa9…`)
// and in other public infrastructure code for public.ecr.aws. Bump tag and digest together.
const CollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3@sha256:8aa9ea5f67b8d318f7d6af24677e3c70f7098bc0631147cb5fa91addbe980b06"

// CollectorContainerName is the sidecar's container name in the task definition.
const CollectorContainerName = "aws-otel-collector"

// OTLPEndpoint is where the API sends its spans: the sidecar's OTLP/HTTP receiver, on the
// task's loopback (awsvpc tasks share one network namespace), never reachable from outside.
const OTLPEndpoint = "http://127.0.0.1:4318"

// RequestIDAttribute is the API's span attribute of the request id (app/internal/tracing);
// the collector indexes it as an X-Ray annotation.
const RequestIDAttribute = "garcon.request_id"

// TracingProps runs the collector sidecar.
type TracingProps struct {
	// SampleRatio is the share of requests the API traces (0.0001–1).
	SampleRatio float64
	// CollectorCPU is the sidecar's CPU units, out of the task's.
	CollectorCPU int
	// CollectorMemoryMiB is the sidecar's hard memory limit, out of the task's; the API
	// container gets MemoryMiB minus this.
	CollectorMemoryMiB int
}

// tracingEnvironment is what the API container is told about tracing.
func tracingEnvironment(t *TracingProps) map[string]string {
	if t == nil {
		return nil
	}
	return map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": OTLPEndpoint,
		"OTEL_TRACES_SAMPLER_ARG":     strconv.FormatFloat(t.SampleRatio, 'f', -1, 64),
	}
}

// collectorConfig is the collector's whole configuration (AOT_CONFIG_CONTENT, which the
// ADOT image reads instead of a file): OTLP/HTTP on loopback in, X-Ray out, nothing else —
// no X-Ray UDP receiver, no metrics pipeline, no proxy, no extension listening.
func collectorConfig(region string, memoryMiB int) string {
	limit := int(math.Floor(float64(memoryMiB) * 0.8))
	spike := int(math.Floor(float64(memoryMiB) * 0.2))
	return fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: %d
    spike_limit_mib: %d
  batch/traces:
    timeout: 1s
    send_batch_size: 50
exporters:
  awsxray:
    region: %s
    indexed_attributes: [%s]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch/traces]
      exporters: [awsxray]
`, limit, spike, region, RequestIDAttribute)
}

// addCollector adds the ADOT collector sidecar to task, lets the task role write trace
// segments to X-Ray, and makes api start after it.
//
// The sidecar is not essential: if it stops, the API keeps serving and only its spans are
// lost (the exporter logs the failed exports); an essential collector would stop every
// task, and so the API, for the sake of its traces. The API starts once the collector's
// container has started (START: the image has no health check to wait for), so the first
// requests' spans have somewhere to go.
func addCollector(c constructs.Construct, task awsecs.FargateTaskDefinition, api awsecs.ContainerDefinition, p Props) {
	logGroup := awslogs.NewLogGroup(c, jsii.String("CollectorLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: p.LogEncryptionKey,
		RemovalPolicy: removalPolicy(p),
	})
	collector := task.AddContainer(jsii.String(CollectorContainerName), &awsecs.ContainerDefinitionOptions{
		Image:          awsecs.ContainerImage_FromRegistry(jsii.String(CollectorImage), nil),
		Essential:      jsii.Bool(false),
		Cpu:            jsii.Number(p.Tracing.CollectorCPU),
		MemoryLimitMiB: jsii.Number(p.Tracing.CollectorMemoryMiB),
		Environment: &map[string]*string{
			"AOT_CONFIG_CONTENT": jsii.String(collectorConfig(*awscdk.Stack_Of(c).Region(), p.Tracing.CollectorMemoryMiB)),
		},
		ReadonlyRootFilesystem: jsii.Bool(true),
		// Non-root, like the API: the collector is a static binary reading its
		// configuration from the environment; it needs no user of the image.
		User: jsii.String(ContainerUser),
		Logging: awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:      logGroup,
			StreamPrefix:  jsii.String("collector"),
			Mode:          awsecs.AwsLogDriverMode_NON_BLOCKING,
			MaxBufferSize: awscdk.Size_Mebibytes(jsii.Number(4)),
		}),
	})
	api.AddContainerDependencies(&awsecs.ContainerDependency{
		Container: collector,
		Condition: awsecs.ContainerDependencyCondition_START,
	})
	task.AddToTaskRolePolicy(XRayWriteStatement())
}

// XRayWriteStatement is all the collector's awsxray exporter does with AWS: put trace
// segments. Sampling happens in the API by ratio, so the X-Ray sampling-rule reads
// (GetSamplingRules, GetSamplingTargets, GetSamplingStatisticSummaries, for the
// collector's X-Ray proxy) are not granted, and neither is PutTelemetryRecords (the
// exporter's telemetry is off).
func XRayWriteStatement() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("WriteTraceSegments"),
		Actions: jsii.Strings("xray:PutTraceSegments"),
		// X-Ray's PutTraceSegments has no resource-level permissions: "*" is the only resource.
		Resources: jsii.Strings("*"),
	})
}

// removalPolicy retains logs of a protected service.
func removalPolicy(p Props) awscdk.RemovalPolicy {
	if p.Protected {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// collectorMemory is what the sidecar takes out of the task's memory (0 without it).
func collectorMemory(p Props) int {
	if p.Tracing == nil {
		return 0
	}
	return p.Tracing.CollectorMemoryMiB
}

// validateSidecars checks Tracing and EcsExec.
func (p *Props) validateSidecars(v *validation.Problems) {
	if t := p.Tracing; t != nil {
		v.Require(t.SampleRatio >= 0.0001 && t.SampleRatio <= 1, "Tracing.SampleRatio", fmt.Sprintf("is %g; allowed: 0.0001 to 1", t.SampleRatio))
		v.Require(t.CollectorCPU >= 16 && t.CollectorCPU*4 <= max(p.CPU, 64), "Tracing.CollectorCPU",
			fmt.Sprintf("is %d; allowed: 16 to a quarter of CPU (%d)", t.CollectorCPU, p.CPU))
		v.Require(t.CollectorMemoryMiB >= 64 && t.CollectorMemoryMiB*4 <= max(p.MemoryMiB, 256), "Tracing.CollectorMemoryMiB",
			fmt.Sprintf("is %d; allowed: 64 to a quarter of MemoryMiB (%d), the API keeps the rest", t.CollectorMemoryMiB, p.MemoryMiB))
	}
	if e := p.EcsExec; e != nil {
		v.Require(e.Key != nil, "EcsExec.Key", "is required; allowed: the environment's KMS key (sessions and their logs are encrypted with it)")
		v.Require(roleName.MatchString(e.RoleName), "EcsExec.RoleName", fmt.Sprintf("%q is not an IAM role name; allowed: 1-64 of A-Z a-z 0-9 +=,.@_-", e.RoleName))
	}
}

var roleName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)

// suppressTaskRoleWildcards records why the task role holds actions on "*": each of them
// has no resource-level permissions.
func suppressTaskRoleWildcards(task awsecs.TaskDefinition, p Props) {
	var reason string
	switch {
	case p.Tracing != nil && p.EcsExec != nil:
		reason = "xray:PutTraceSegments, the ssmmessages channel actions of ECS Exec and logs:DescribeLogGroups have no resource-level permissions, so they can only be granted on '*'."
	case p.Tracing != nil:
		reason = "xray:PutTraceSegments has no resource-level permissions, so it can only be granted on '*'."
	case p.EcsExec != nil:
		reason = "The ssmmessages channel actions of ECS Exec and logs:DescribeLogGroups have no resource-level permissions, so they can only be granted on '*'."
	default:
		return
	}
	suppressions := []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(reason), AppliesTo: &[]any{jsii.String("Resource::*")}},
	}
	if p.EcsExec != nil {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("ECS Exec writes each session to a log stream it names when the session starts, all inside the one session log group."),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{
				Regex: jsii.String(`/^Resource::arn:[^:]+:logs:[^:]+:[^:]+:log-group:<[A-Za-z0-9]*ExecSessionLogs[A-F0-9]{8}>:\*$/`),
			}},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(task.TaskRole(), &suppressions, jsii.Bool(true))
}
