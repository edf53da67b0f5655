package service

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// EcsExecProps turns on ECS Exec for the API's containers.
type EcsExecProps struct {
	// Key encrypts the sessions (between the client and the container) and their log group.
	Key awskms.IKey
	// RoleName names the one role that may start a session, e.g. "Staging-EcsExec". The
	// name is the contract with the operators who assume it.
	RoleName string
}

// ssmAgentPaths are where the SSM agent that ECS Exec injects writes; with a read-only
// root file system each gets a task-scoped writable volume (aws/containers-roadmap#1359),
// so ECS Exec does not cost the containers their read-only root.
var ssmAgentPaths = map[string]string{
	"ssm-managed-agents": "/managed-agents",
	"ssm-lib":            "/var/lib/amazon/ssm",
	"ssm-log":            "/var/log/amazon/ssm",
}

// ExecSessionLogRetention keeps the session logs a year, whatever the application logs'
// retention: they are the record of who ran what inside a production-like container.
const ExecSessionLogRetention = awslogs.RetentionDays_ONE_YEAR

// newExecLogging is the cluster's ECS Exec configuration: sessions encrypted with the key,
// their input and output logged, encrypted, to a log group kept ExecSessionLogRetention.
func newExecLogging(c constructs.Construct, p Props) *awsecs.ExecuteCommandConfiguration {
	logGroup := awslogs.NewLogGroup(c, jsii.String("ExecSessionLogs"), &awslogs.LogGroupProps{
		Retention:     ExecSessionLogRetention,
		EncryptionKey: p.EcsExec.Key,
		RemovalPolicy: removalPolicy(p),
	})
	return &awsecs.ExecuteCommandConfiguration{
		KmsKey:  p.EcsExec.Key,
		Logging: awsecs.ExecuteCommandLogging_OVERRIDE,
		LogConfiguration: &awsecs.ExecuteCommandLogConfiguration{
			CloudWatchLogGroup:          logGroup,
			CloudWatchEncryptionEnabled: jsii.Bool(true),
		},
	}
}

// addExecVolumes gives the SSM agent its writable paths in container.
func addExecVolumes(task awsecs.FargateTaskDefinition, container awsecs.ContainerDefinition) {
	for _, name := range sortedKeys(stringPointers(ssmAgentPaths)) {
		task.AddVolume(&awsecs.Volume{Name: jsii.String(name)})
		container.AddMountPoints(&awsecs.MountPoint{
			SourceVolume: jsii.String(name), ContainerPath: jsii.String(ssmAgentPaths[name]), ReadOnly: jsii.Bool(false),
		})
	}
}

// newExecRole is the only role of the project that may open an ECS Exec session, and only
// into this cluster's API containers. Any principal of the account may assume it — with
// MFA — when its own policy lets it (sts:AssumeRole on this role's ARN): the account root
// as principal delegates the choice of who to the account's IAM, where it belongs.
func newExecRole(c constructs.Construct, p Props, cluster awsecs.ICluster) awsiam.Role {
	stack := awscdk.Stack_Of(c)
	role := awsiam.NewRole(c, jsii.String("ExecRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(p.EcsExec.RoleName),
		Description: jsii.String("Opens ECS Exec sessions into the API containers of this environment's cluster"),
		AssumedBy: awsiam.NewAccountRootPrincipal().WithConditions(&map[string]any{
			"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	tasks := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ecs"), Resource: jsii.String("task"),
		ResourceName: jsii.String(*cluster.ClusterName() + "/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ExecIntoApiContainers"),
		Actions:    jsii.Strings("ecs:ExecuteCommand"),
		Resources:  jsii.Strings(*cluster.ClusterArn(), *tasks),
		Conditions: &map[string]any{"StringEquals": map[string]any{"ecs:container-name": "api"}},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeClusterTasks"),
		Actions:   jsii.Strings("ecs:DescribeTasks"),
		Resources: jsii.Strings(*tasks),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Task ids are assigned at run time; the pattern admits only the tasks of this one cluster, and ExecuteCommand only into their api container."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{
			Regex: jsii.String(`/^Resource::arn:[^:]+:ecs:[^:]+:[^:]+:task\/<[A-Za-z0-9]*Cluster[A-F0-9]{8}>\/\*$/`),
		}},
	}}, jsii.Bool(true))
	// The session's data key: the client encrypts its end of the channel with the key.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("EncryptSessions"),
		Actions:   jsii.Strings("kms:GenerateDataKey"),
		Resources: jsii.Strings(*p.EcsExec.Key.KeyArn()),
	}))
	return role
}
