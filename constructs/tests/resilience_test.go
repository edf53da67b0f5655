package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/faults"
	"github.com/garcon/infrastructure/constructs/restoretest"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestRestoreTestMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		restoretest.New(stack, "RestoreTest", &restoretest.Props{Name: "garcon-staging", StartWindowHours: 200, RuleName: "no spaces allowed"})
	})
	assert.ElementsMatch(t, []string{
		`Name: "garcon-staging"; allowed: 1-50 letters, digits or underscores`,
		"Schedule: is required; allowed: an EventBridge cron expression",
		"StartWindowHours: is 200; allowed: 1 to 168 (0: the default)",
		"ValidationHours: is 0; allowed: 1 to 168",
		"Vpc: is required; allowed: the VPC with the isolated subnets",
		"Vault: is required; allowed: the vault holding the recovery points",
		"DatabaseArn: is required; allowed: the RDS instance's ARN",
		"BucketArn: is required; allowed: the bucket's ARN",
		"EncryptionKey: is required; allowed: the key of the recovery points",
		"AlarmTopicArn: is required; allowed: the environment's alarm topic",
		`RuleName: "no spaces allowed"; allowed: 1-64 letters, digits, '.', '-' or '_'`,
		"ValidationAlarmName: is required; allowed: an alarm name the alarm topic admits",
		"LogRetention: is required; allowed: a log retention",
		"LogKey: is required; allowed: a key CloudWatch Logs may use",
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestFaultsMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		faults.New(stack, "Faults", &faults.Props{StopTaskPercent: 0, InterruptMinutes: 61, AZPowerInterruption: true,
			ClusterName: jsii.String("cluster")})
	})
	assert.ElementsMatch(t, []string{
		"Environment: is required; allowed: the environment's name",
		"StopConditions: is empty; allowed: the ARNs of the alarms that stop every experiment",
		"ClusterName: and ServiceName are required; allowed: the API's cluster and service",
		"StopTaskPercent: is 0; allowed: 1 to 100",
		"DatabaseArn: is required; allowed: the writer's ARN",
		"ReplicationGroupID: is required; allowed: the Redis replication group's id",
		"Zone: is required; allowed: an availability zone of the VPC",
		"InterruptMinutes: is 61; allowed: 1 to 60",
		"AZPowerInterruption: needs DatabaseMultiAZ and RedisMultiAZ; allowed: false without a standby to fail over to",
		"LogKey: is required; allowed: a key CloudWatch Logs may use",
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

// Without Redis replicas there is no Redis experiment (the ElastiCache power interruption
// needs Multi-AZ), and without a standby the database experiment does not force a failover.
func TestFaultsOnlyCreateWhatTheEnvironmentCanFailOver(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	f := faults.New(stack, "Faults", &faults.Props{
		Environment: "test", StopConditions: []*string{jsii.String("arn:aws:cloudwatch:eu-west-3:111111111111:alarm:Test-5xx")},
		ClusterName: jsii.String("cluster"), ServiceName: jsii.String("service"), StopTaskPercent: 50,
		DatabaseArn: jsii.String("arn:aws:rds:eu-west-3:111111111111:db:writer"), ReplicationGroupID: jsii.String("redis"),
		Zone: "eu-west-3a", InterruptMinutes: 5, LogKey: awskms.NewKey(stack, jsii.String("Key"), nil),
	})
	var names []string
	for name := range f.Templates {
		names = append(names, name)
	}
	assert.ElementsMatch(t, []string{faults.StopTasks, faults.DatabaseFailover}, names)
}
