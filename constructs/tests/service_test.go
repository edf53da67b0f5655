package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/service"
	"github.com/garcon/infrastructure/internal/cdktest"
)

// Without a zone this used to crash on a nil pointer; now the construct names every
// problem of its props and creates nothing.
func TestServiceMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		service.New(stack, "Api", &service.Props{
			CPU: 256, MemoryMiB: 4096, MinTasks: 3, MaxTasks: 2,
			Environment: map[string]string{"JWT_SECRET": "plain"},
			Secrets:     map[string]awsecs.Secret{"JWT_SECRET": nil},
		})
	})
	assert.Equal(t, "Test/Api", err.Path)
	assert.ElementsMatch(t, []string{
		"Vpc: is required; allowed: the environment's VPC (tasks in private, load balancer in public subnets)",
		"AccessLogs: is required; allowed: an SSE-S3 bucket for the load balancer's access logs",
		"ImageDirectory: is empty; allowed: the API's Docker build context (app/)",
		"HostedZone: is required; allowed: the zone of this account that holds the API's records",
		"DomainName: is empty; allowed: the API's fully qualified host name",
		"MemoryMiB: is 4096; allowed with CPU 256: 512 to 2048",
		"MinTasks/MaxTasks: 3 / 2; allowed: 1 <= MinTasks <= MaxTasks",
		"LogRetention: is required; allowed: an awslogs.RetentionDays",
		"Environment: JWT_SECRET is also a secret; allowed: each variable in one of Environment and Secrets",
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestServiceDomainMustBeInItsZone(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0TEST"), ZoneName: jsii.String("example.app"),
	})
	err := cdktest.InvalidProps(t, func() {
		service.New(stack, "Api", &service.Props{HostedZone: zone, DomainName: "api.other.app", CPU: 300, MemoryMiB: 512, MinTasks: 1, MaxTasks: 1})
	})
	assert.Contains(t, err.Problems, `DomainName: "api.other.app" is not inside the zone example.app; allowed: a name in it, e.g. api.example.app`)
	assert.Contains(t, err.Problems, "CPU: is 300; allowed: 256, 512, 1024, 2048, 4096")
}
