package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/faults"
	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/restoretest"
)

// ResilienceStack proves the environment recovers: the restore tests of its backups and
// the fault-injection experiments of its game days. It holds no data — restored copies
// are deleted by AWS Backup, experiments only act on other stacks' resources — so it can
// be destroyed and recreated at any time.
type ResilienceStack struct {
	awscdk.Stack
	// RestoreTest is the restore testing plan of the database and the uploads bucket.
	RestoreTest *restoretest.RestoreTest
	// Faults are the AWS FIS experiment templates.
	Faults *faults.Faults
}

// NewResilienceStack creates the resilience stack of env. It writes one statement into
// the Data stack's alarm topic policy and one into its key policy, so that the
// failed-restore rule, which it names, can notify the topic.
func NewResilienceStack(scope constructs.Construct, id string, env config.Environment, net *NetworkStack, data *DataStack,
	svc *ServiceStack, edgeStack *EdgeStack) *ResilienceStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "restore tests of the backups and fault-injection experiments"))
	dataKey := awskms.Key_FromKeyArn(stack, jsii.String("DataKey"), data.Key.KeyArn())
	rule := RestoreFailedRuleName(env)
	restoretest.AllowFailedRestoreAlarms(data.AlarmTopic.Topic, data.AlarmTopic.Key, restoretest.RuleArn(data.Stack, rule))

	rt := restoretest.New(stack, "RestoreTest", &restoretest.Props{
		Name:            RestoreTestingPlanName(env),
		Schedule:        env.Backup.RestoreTestSchedule,
		ValidationHours: env.Backup.RestoreTestValidationHours,
		Vpc:             net.Vpc,
		Vault:           data.Backup.Vault,
		DatabaseArn:     data.Database.Instance.InstanceArn(),
		BucketArn:       data.Storage.Uploads.BucketArn(),
		EncryptionKey:   dataKey,
		AlarmTopicArn:   data.AlarmTopic.Topic.TopicArn(),
		RuleName:        rule,
		// The alarm topic admits CloudWatch alarms named with the stage prefix.
		ValidationAlarmName: alarmNamePrefix(env) + "RestoreValidationFailed",
		LogRetention:        retentionDays(env.Logs.RetentionDays),
		LogKey:              dataKey,
	})
	fis := faults.New(stack, "Faults", &faults.Props{
		Environment: env.Name,
		// The API's 5xx rate and unhealthy targets: alarms of the experiment's own region.
		// FIS documents no cross-region stop condition, so the us-east-1 probe alarm
		// (Route 53 publishes health-check metrics there only) is watched by the game-day
		// workflow, which stops the experiment when it fires.
		StopConditions:      []*string{alarmArn(svc.API.DeploymentAlarms[0]), alarmArn(svc.API.DeploymentAlarms[1])},
		ClusterName:         svc.API.Cluster.ClusterName(),
		ServiceName:         svc.API.Service.ServiceName(),
		StopTaskPercent:     env.Faults.StopTaskPercent,
		DatabaseArn:         data.Database.Instance.InstanceArn(),
		DatabaseMultiAZ:     env.Database.MultiAZ,
		ReplicationGroupID:  data.Cache.ReplicationGroup.Ref(),
		RedisMultiAZ:        env.Cache.Replicas > 0,
		Zone:                env.AvailabilityZones[0],
		InterruptMinutes:    env.Faults.InterruptMinutes,
		AZPowerInterruption: env.Faults.AZPowerInterruption,
		LogRetention:        retentionDays(env.Logs.RetentionDays),
		LogKey:              dataKey,
	})
	watchProducers(stack, net.Stack, data.Stack, svc.Stack, edgeStack.Stack)
	keys.EncryptLogGroups(stack, dataKey)
	output(stack, "RestoreTestingPlanName", RestoreTestingPlanName(env), "AWS Backup restore testing plan")
	output(stack, "ExperimentLogGroup", *fis.Logs.LogGroupName(), "Log group of every FIS experiment")
	return &ResilienceStack{Stack: stack, RestoreTest: rt, Faults: fis}
}

// RestoreTestingPlanName is env's restore testing plan name (letters, digits, underscores).
func RestoreTestingPlanName(env config.Environment) string {
	return "garcon_" + strings.ReplaceAll(env.Name, "-", "_")
}

// RestoreFailedRuleName names the EventBridge rule of env's failed restore jobs. It starts
// with the stage name like every other name of the environment; the alarm topic's policy
// admits exactly this rule.
func RestoreFailedRuleName(env config.Environment) string {
	return fmt.Sprintf("%sRestoreJobFailed", alarmNamePrefix(env))
}

// alarmArn is the alarm's ARN as its template states it (Fn::GetAtt): the L2's AlarmArn
// would need a physical name to be read from another region.
func alarmArn(alarm awscloudwatch.Alarm) *string {
	return alarm.Node().DefaultChild().(awscloudwatch.CfnAlarm).AttrArn()
}
