package faults

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newRole is the experiments' role: FIS of this account assumes it for this account's
// experiments only, and it may do exactly what the actions reference lists for each
// action, on this environment's resources — by ARN, or where an action takes no
// resource ARN, conditioned on this environment's cluster.
func newRole(c constructs.Construct, p *Props) awsiam.Role {
	stack := awscdk.Stack_Of(c)
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("fis.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
				"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("fis"), Resource: jsii.String("experiment"), ResourceName: jsii.String("*"),
					ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
				})},
			},
		}),
		Description: jsii.String("AWS FIS game days of Garçon " + p.Environment + ": act on this environment's API tasks, database writer and Redis only"),
	})
	for _, s := range statements(stack, p) {
		role.AddToPolicy(s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(
			"Task ARNs are known only at run time, so tasks are named by their cluster's ARN prefix; ecs:ListTasks, tag:GetResources and the CloudWatch Logs delivery actions accept no resource ARN (ListTasks is held to the cluster by ecs:cluster); DescribeLogGroups lists this account's groups in this region."),
			AppliesTo: &[]any{
				&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ecs:[^:]+:[0-9]+:task\/<[A-Za-z0-9]+>\/\*$/g`)},
				jsii.String("Resource::*"),
				&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:logs:[^:]+:[0-9]+:log-group:\*$/g`)},
			}},
	}, jsii.Bool(true))
	return role
}

// statements are the role's permissions, action by action (AWS FIS actions reference).
func statements(stack awscdk.Stack, p *Props) []awsiam.PolicyStatement {
	arn := func(service, resource, name string, format awscdk.ArnFormat) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String(service), Resource: jsii.String(resource), ResourceName: jsii.String(name), ArnFormat: format,
		})
	}
	clusterArn := arn("ecs", "cluster", *p.ClusterName, awscdk.ArnFormat_SLASH_RESOURCE_NAME)
	stmt := func(sid string, actions []string, resources []*string, conditions map[string]any) awsiam.PolicyStatement {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return awsiam.NewPolicyStatement(props)
	}
	out := []awsiam.PolicyStatement{
		// aws:ecs:stop-task: ecs:DescribeTasks, ecs:ListTasks, ecs:StopTask.
		stmt("StopApiTasks", []string{"ecs:DescribeTasks", "ecs:StopTask"},
			[]*string{arn("ecs", "task", *p.ClusterName+"/*", awscdk.ArnFormat_SLASH_RESOURCE_NAME)}, nil),
		stmt("ListApiTasks", []string{"ecs:ListTasks"}, []*string{jsii.String("*")},
			map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}),
		// aws:rds:reboot-db-instances: rds:RebootDBInstance, rds:DescribeDBInstances.
		stmt("RebootWriter", []string{"rds:DescribeDBInstances", "rds:RebootDBInstance"}, []*string{p.DatabaseArn}, nil),
		// Experiment logs (CloudWatch Logs delivery): these accept no resource ARN but
		// DescribeLogGroups.
		stmt("DeliverExperimentLogs", []string{"logs:CreateLogDelivery", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"},
			[]*string{jsii.String("*")}, nil),
		stmt("FindExperimentLogGroup", []string{"logs:DescribeLogGroups"},
			[]*string{arn("logs", "log-group", "*", awscdk.ArnFormat_COLON_RESOURCE_NAME)}, nil),
	}
	if p.RedisMultiAZ {
		// aws:elasticache:replicationgroup-interrupt-az-power:
		// elasticache:InterruptClusterAzPower, elasticache:DescribeReplicationGroups,
		// tag:GetResources.
		out = append(out,
			stmt("InterruptRedisZone", []string{"elasticache:DescribeReplicationGroups", "elasticache:InterruptClusterAzPower"}, []*string{p.rgArn}, nil),
			stmt("ResolveRedisTargets", []string{"tag:GetResources"}, []*string{jsii.String("*")}, nil))
	}
	return out
}
