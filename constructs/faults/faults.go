// Package faults provides the AWS Fault Injection Service (FIS) experiment templates of an
// environment's game days: stop a share of the API's tasks, fail the database over, fail
// Redis over, and (where configured) a zone's power interruption across ECS, RDS and
// ElastiCache. Every template stops on the API's alarms, logs to an encrypted log group,
// and runs with one role that may act only on this environment's resources.
package faults

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Experiment names: the value of each template's "garcon:experiment" tag, which the
// game-day workflow looks templates up by.
const (
	StopTasks        = "stop-api-tasks"
	DatabaseFailover = "database-failover"
	RedisFailover    = "redis-failover"
	AZPower          = "az-power-interruption"
	// ExperimentTag is the tag key naming a template's experiment.
	ExperimentTag = "garcon:experiment"
)

// Props configures Faults.
type Props struct {
	// Environment is the environment's name, used in descriptions and tags.
	Environment string
	// StopConditions are the ARNs of the CloudWatch alarms that stop every experiment
	// when any of them is in ALARM (the API's 5xx rate and unhealthy targets), alarms of
	// the experiments' own region.
	StopConditions []*string
	// ClusterName and ServiceName name the API's ECS cluster and service.
	ClusterName *string
	// ServiceName is the API's ECS service.
	ServiceName *string
	// StopTaskPercent is the share of running tasks the stop-tasks experiment stops (1–100).
	StopTaskPercent int
	// DatabaseArn is the writer instance.
	DatabaseArn *string
	// DatabaseMultiAZ says whether the writer has a standby: only then does a reboot
	// force a failover (RDS refuses ForceFailover on a single-AZ instance).
	DatabaseMultiAZ bool
	// ReplicationGroupID is the Redis replication group.
	ReplicationGroupID *string
	// RedisMultiAZ says whether Redis has replicas and Multi-AZ; the ElastiCache power
	// interruption needs it, so without it there is no Redis experiment.
	RedisMultiAZ bool
	// Zone is the availability zone whose power the Redis and zone experiments cut.
	Zone string
	// InterruptMinutes is how long those interruptions last (1–60).
	InterruptMinutes int
	// AZPowerInterruption adds the zone scenario (needs DatabaseMultiAZ and RedisMultiAZ).
	AZPowerInterruption bool
	// LogRetention applies to the experiments' log group.
	LogRetention awslogs.RetentionDays
	// LogKey encrypts the log group; its policy must admit CloudWatch Logs.
	LogKey awskms.IKey

	// rgArn is the replication group's ARN, formatted by New.
	rgArn *string
}

// Faults holds the experiment templates, their role and log group.
type Faults struct {
	constructs.Construct
	// Role is the one role every experiment of the environment runs with.
	Role awsiam.Role
	// Logs receives every experiment's log.
	Logs awslogs.LogGroup
	// Templates are keyed by experiment name (StopTasks, DatabaseFailover …).
	Templates map[string]awsfis.CfnExperimentTemplate
}

// New creates the role, the log group and the templates the props allow.
func New(scope constructs.Construct, id string, props *Props) *Faults {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	props.rgArn = awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("elasticache"), Resource: jsii.String("replicationgroup"),
		ResourceName: props.ReplicationGroupID, ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		EncryptionKey: props.LogKey,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // experiment logs, no data
	})
	f := &Faults{Construct: c, Logs: logs, Templates: map[string]awsfis.CfnExperimentTemplate{}}
	f.Role = newRole(c, props)
	for _, e := range experiments(props) {
		f.Templates[e.name] = f.template(props, e)
	}
	return f
}

// experiment is one template's content.
type experiment struct {
	name, description string
	targets           map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty
	actions           map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty
}

// template creates the FIS template of e with the shared stop conditions, role and logs.
func (f *Faults) template(p *Props, e experiment) awsfis.CfnExperimentTemplate {
	var stops []*awsfis.CfnExperimentTemplate_ExperimentTemplateStopConditionProperty
	for _, alarm := range p.StopConditions {
		stops = append(stops, &awsfis.CfnExperimentTemplate_ExperimentTemplateStopConditionProperty{
			Source: jsii.String("aws:cloudwatch:alarm"), Value: alarm,
		})
	}
	return awsfis.NewCfnExperimentTemplate(f.Construct, jsii.String(templateID(e.name)), &awsfis.CfnExperimentTemplateProps{
		Description:    jsii.String(fmt.Sprintf("Garçon %s: %s", p.Environment, e.description)),
		RoleArn:        f.Role.RoleArn(),
		StopConditions: &stops,
		Targets:        &e.targets,
		Actions:        &e.actions,
		LogConfiguration: &awsfis.CfnExperimentTemplate_ExperimentTemplateLogConfigurationProperty{
			LogSchemaVersion: jsii.Number(2),
			// A JSON property in the schema: the key is written as CloudFormation spells it.
			CloudWatchLogsConfiguration: map[string]any{"LogGroupArn": f.Logs.LogGroupArn()},
		},
		// A target that resolves to nothing fails the experiment: a game day that
		// injected nothing must not look like one that passed.
		ExperimentOptions: &awsfis.CfnExperimentTemplate_ExperimentTemplateExperimentOptionsProperty{
			EmptyTargetResolutionMode: jsii.String("fail"),
		},
		Tags: &map[string]*string{
			ExperimentTag: jsii.String(e.name),
			"Name":        jsii.String(fmt.Sprintf("garcon-%s-%s", p.Environment, e.name)),
		},
	})
}

// templateID is the construct id of an experiment's template, e.g. "StopApiTasks".
func templateID(name string) string {
	var out strings.Builder
	for _, word := range strings.Split(name, "-") {
		if word != "" {
			out.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return out.String()
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Environment != "", "Environment", "is required; allowed: the environment's name")
	v.Require(len(p.StopConditions) > 0, "StopConditions", "is empty; allowed: the ARNs of the alarms that stop every experiment")
	v.Require(p.ClusterName != nil && p.ServiceName != nil, "ClusterName", "and ServiceName are required; allowed: the API's cluster and service")
	v.Require(p.StopTaskPercent >= 1 && p.StopTaskPercent <= 100, "StopTaskPercent", fmt.Sprintf("is %d; allowed: 1 to 100", p.StopTaskPercent))
	v.Require(p.DatabaseArn != nil, "DatabaseArn", "is required; allowed: the writer's ARN")
	v.Require(p.ReplicationGroupID != nil, "ReplicationGroupID", "is required; allowed: the Redis replication group's id")
	v.Require(p.Zone != "", "Zone", "is required; allowed: an availability zone of the VPC")
	v.Require(p.InterruptMinutes >= 1 && p.InterruptMinutes <= 60, "InterruptMinutes", fmt.Sprintf("is %d; allowed: 1 to 60", p.InterruptMinutes))
	v.Require(!p.AZPowerInterruption || (p.DatabaseMultiAZ && p.RedisMultiAZ), "AZPowerInterruption",
		"needs DatabaseMultiAZ and RedisMultiAZ; allowed: false without a standby to fail over to")
	v.Require(p.LogKey != nil, "LogKey", "is required; allowed: a key CloudWatch Logs may use")
	return v
}
