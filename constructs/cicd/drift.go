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

// DefaultDriftWorkflow is the workflow whose jobs may assume the drift role.
const DefaultDriftWorkflow = ".github/workflows/drift.yml"

// DriftStackActions are the CloudFormation actions `cdk drift` calls on each stack:
// start drift detection (which CloudFormation authorizes per resource as
// DetectStackResourceDrift too), read its results, and the stack, template and resources
// it compares against.
var DriftStackActions = []string{
	"cloudformation:DescribeStackResourceDrifts",
	"cloudformation:DescribeStackResources",
	"cloudformation:DescribeStacks",
	"cloudformation:DetectStackDrift",
	"cloudformation:DetectStackResourceDrift",
	"cloudformation:GetTemplate",
	"cloudformation:ListStackResources",
}

// DriftStatusAction polls a detection by its id; it has no resource-level permissions.
const DriftStatusAction = "cloudformation:DescribeStackDriftDetectionStatus"

// DriftProps configures the drift role.
type DriftProps struct {
	// Provider is the account's GitHub OIDC provider (GitHubAccess.Provider).
	Provider awsiam.IOidcProvider
	// Repository is "owner/name"; no wildcards.
	Repository string
	// Branch is the repository's default branch, on which scheduled workflows run.
	Branch string
	// Workflow is the path of the workflow that checks drift.
	// Default: DefaultDriftWorkflow.
	Workflow string
	// StackNamePrefix limits the role to the environment's stacks, e.g. "Staging-".
	StackNamePrefix string
}

// NewDriftRole creates the role the nightly drift workflow assumes: trusted only by jobs
// of Workflow on Branch of Repository (a scheduled run's token has the subject
// repo:<repo>:ref:refs/heads/<branch>), allowed to detect and read drift of the
// environment's stacks and to read the configuration of their resources, nothing else.
//
// `cdk drift` (CLI 2.1148) calls CloudFormation with the caller's own credentials — it
// assumes no bootstrap role — and CloudFormation reads every resource's live
// configuration with those credentials, so the role itself holds the read actions
// (DriftReadActions), none of which reads data.
func NewDriftRole(scope constructs.Construct, id string, props *DriftProps) awsiam.Role {
	props.validate(scope, id).Check()
	stack := awscdk.Stack_Of(scope)
	workflow := props.Workflow
	if workflow == "" {
		workflow = DefaultDriftWorkflow
	}
	ref := "refs/heads/" + props.Branch
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		Description: jsii.String(fmt.Sprintf("GitHub Actions nightly cdk drift of %s (%s on %s): detects drift and reads resource configuration, no data", props.Repository, workflow, props.Branch)),
		AssumedBy: awsiam.NewOpenIdConnectPrincipal(props.Provider, &map[string]any{"StringEquals": map[string]any{
			GitHubIssuer + ":aud":              "sts.amazonaws.com",
			GitHubIssuer + ":sub":              fmt.Sprintf("repo:%s:ref:%s", props.Repository, ref),
			GitHubIssuer + ":job_workflow_ref": fmt.Sprintf("%s/%s@%s", props.Repository, workflow, ref),
		}}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	stacks := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudformation"), Region: jsii.String("*"), Resource: jsii.String("stack"),
		ResourceName: jsii.String(props.StackNamePrefix + "*/*"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("DetectDriftOfTheEnvironmentsStacks"), Actions: jsii.Strings(DriftStackActions...),
		Resources: jsii.Strings(*stacks),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("PollDriftDetections"), Actions: jsii.Strings(DriftStatusAction), Resources: jsii.Strings("*"),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ReadResourceConfiguration"), Actions: jsii.Strings(driftActions()...), Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("Drift detection reads the environment's stacks (any region, generated ids) and, through CloudFormation, the configuration of each of their resources; the describe actions have no resource-level permissions and none reads data."),
			AppliesTo: &[]any{jsii.String("Resource::" + *stacks), jsii.String("Resource::*")}},
	}, jsii.Bool(true))
	return role
}

func (p *DriftProps) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Provider != nil, "Provider", "is nil; allowed: the account's GitHub OIDC provider")
	owner, name, ok := strings.Cut(p.Repository, "/")
	v.Require(ok && owner != "" && name != "" && !strings.ContainsAny(p.Repository, "*?"), "Repository",
		fmt.Sprintf("%q; allowed: \"owner/name\" without wildcards", p.Repository))
	v.Require(p.Branch != "" && !strings.ContainsAny(p.Branch, "*?@:"), "Branch",
		fmt.Sprintf("%q; allowed: the default branch, without wildcards", p.Branch))
	v.Require(!strings.ContainsAny(p.Workflow, "*?@:"), "Workflow",
		fmt.Sprintf("%q; allowed: a workflow path such as %s", p.Workflow, DefaultDriftWorkflow))
	v.Require(p.StackNamePrefix != "" && !strings.ContainsAny(p.StackNamePrefix, "*?"), "StackNamePrefix",
		fmt.Sprintf("%q; allowed: the environment's stack-name prefix without wildcards", p.StackNamePrefix))
	return v
}
