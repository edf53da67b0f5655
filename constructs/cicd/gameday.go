package cicd

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// DefaultGameDayWorkflow is the workflow whose jobs may assume the game-day role.
const DefaultGameDayWorkflow = ".github/workflows/gameday.yml"

// GameDayProps configures the game-day role.
type GameDayProps struct {
	// Provider is the account's GitHub OIDC provider (GitHubAccess.Provider).
	Provider awsiam.IOidcProvider
	// Repository is "owner/name"; no wildcards.
	Repository string
	// Environment is the GitHub environment the game-day job names (its protection rules
	// gate production game days).
	Environment string
	// Branch is the only branch the workflow may run from: the environment's reviewed code.
	Branch string
	// Workflow is the path of the game-day workflow. Default: DefaultGameDayWorkflow.
	Workflow string
	// AlarmNamePrefix names the environment's alarms, e.g. "Staging-".
	AlarmNamePrefix string
	// Regions are where the environment's alarms live (the primary region, us-east-1).
	Regions []string
}

// NewGameDayRole creates the role the game-day workflow assumes: trusted only by jobs of
// Workflow on Branch of Repository that name Environment; it may start, watch and stop
// the account's FIS experiments (every template in the account is this environment's:
// one account per environment) and read the environment's alarms, their history and
// metrics for the job summary. It cannot create or change a template, nor pass a role.
func NewGameDayRole(scope constructs.Construct, id string, props *GameDayProps) awsiam.Role {
	props.validate(scope, id).Check()
	stack := awscdk.Stack_Of(scope)
	workflow := props.Workflow
	if workflow == "" {
		workflow = DefaultGameDayWorkflow
	}
	ref := "refs/heads/" + props.Branch
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		Description: jsii.String(fmt.Sprintf("GitHub Actions game days of %s (%s on %s, environment %s): start and stop FIS experiments, read alarms",
			props.Repository, workflow, props.Branch, props.Environment)),
		AssumedBy: awsiam.NewOpenIdConnectPrincipal(props.Provider, &map[string]any{"StringEquals": map[string]any{
			GitHubIssuer + ":aud":              "sts.amazonaws.com",
			GitHubIssuer + ":sub":              fmt.Sprintf("repo:%s:environment:%s", props.Repository, props.Environment),
			GitHubIssuer + ":ref":              ref,
			GitHubIssuer + ":job_workflow_ref": fmt.Sprintf("%s/%s@%s", props.Repository, workflow, ref),
		}}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	for _, s := range gameDayStatements(stack, props) {
		role.AddToPolicy(s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(
			"Experiments get their ids when started, templates and alarms are named at deploy time under the environment's prefix, and FIS template listing and CloudWatch metric statistics accept no resource ARN; every action is start, stop or read."),
			AppliesTo: &[]any{
				&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:fis:[^:]+:[0-9]+:experiment(-template)?\/\*$/g`)},
				&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:cloudwatch:[^:]+:[0-9]+:alarm:[A-Za-z0-9]+-\*$/g`)},
				jsii.String("Resource::*"),
			}},
	}, jsii.Bool(true))
	return role
}

// gameDayStatements are the role's permissions: what `aws fis start-experiment`,
// get-experiment, stop-experiment and list-experiment-templates, and `aws cloudwatch
// describe-alarms`, describe-alarm-history and get-metric-statistics call.
func gameDayStatements(stack awscdk.Stack, p *GameDayProps) []awsiam.PolicyStatement {
	fis := func(resource string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("fis"), Resource: jsii.String(resource), ResourceName: jsii.String("*"),
			ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	}
	var alarms []*string
	for _, region := range p.Regions {
		alarms = append(alarms, stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Region: jsii.String(region),
			Resource: jsii.String("alarm"), ResourceName: jsii.String(p.AlarmNamePrefix + "*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME}))
	}
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("StartExperiments"), Actions: jsii.Strings("fis:StartExperiment"),
			Resources: &[]*string{fis("experiment-template"), fis("experiment")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("WatchAndStopExperiments"), Actions: jsii.Strings("fis:GetExperiment", "fis:StopExperiment"),
			Resources: &[]*string{fis("experiment")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadEnvironmentAlarms"), Actions: jsii.Strings("cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms"),
			Resources: &alarms,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("FindTemplatesAndMetrics"), Actions: jsii.Strings("cloudwatch:GetMetricStatistics", "fis:ListExperimentTemplates"),
			Resources: jsii.Strings("*"),
		}),
	}
}

func (p *GameDayProps) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	owner, name, ok := strings.Cut(p.Repository, "/")
	v.Require(ok && owner != "" && name != "" && !strings.ContainsAny(p.Repository, "*?"), "Repository",
		fmt.Sprintf("%q; allowed: \"owner/name\" without wildcards", p.Repository))
	v.Require(p.Provider != nil, "Provider", "is required; allowed: the account's GitHub OIDC provider")
	v.Require(p.Environment != "" && !strings.ContainsAny(p.Environment, "*?"), "Environment", fmt.Sprintf("%q; allowed: a GitHub environment name", p.Environment))
	v.Require(p.Branch != "" && !strings.ContainsAny(p.Branch, "*?"), "Branch", fmt.Sprintf("%q; allowed: a branch name without wildcards", p.Branch))
	v.Require(p.AlarmNamePrefix != "" && !strings.ContainsAny(p.AlarmNamePrefix, "*?"), "AlarmNamePrefix", fmt.Sprintf("%q; allowed: a literal prefix such as \"Staging-\"", p.AlarmNamePrefix))
	v.Require(len(p.Regions) > 0, "Regions", "is empty; allowed: the regions of the environment's alarms")
	return v
}
