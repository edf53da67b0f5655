// Package cicd provides what GitHub Actions needs to reach an AWS account without
// long-lived keys: the GitHub OIDC identity provider, a deploy role that may only assume
// the CDK bootstrap roles, and a role for `cdk diff` on pull requests that reads the
// environment's templates and nothing else.
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

// GitHubIssuer is GitHub Actions' OIDC token issuer.
const GitHubIssuer = "token.actions.githubusercontent.com"

// CDKQualifier is the default bootstrap qualifier (`cdk bootstrap` without --qualifier).
const CDKQualifier = "hnb659fds"

// DefaultDeployWorkflow is the reusable workflow whose jobs deploy (Props.DeployWorkflow).
const DefaultDeployWorkflow = ".github/workflows/deploy.yml"

// Props configures GitHubAccess.
type Props struct {
	// Repository is "owner/name"; no wildcards.
	Repository string
	// DeployEnvironment is the GitHub environment whose jobs may deploy (its protection
	// rules — required reviewers, allowed branch — are the approval gate).
	DeployEnvironment string
	// DeployBranch is the branch whose pushes deploy DeployEnvironment. The deploy role's
	// trust requires the token's `ref` claim to be refs/heads/<DeployBranch> and its
	// `job_workflow_ref` to be DeployWorkflow at that ref, so a job of another branch or
	// workflow that names the environment cannot assume it even if the environment's
	// deployment-branch rule is missing.
	DeployBranch string
	// DeployWorkflow is the path of the reusable workflow that runs the deploy jobs.
	// Default: DefaultDeployWorkflow.
	DeployWorkflow string
	// Regions are the regions the deploy role may reach the bootstrap roles in.
	Regions []string
	// StackNamePrefix limits the diff role to the environment's stacks, e.g. "Staging-".
	StackNamePrefix string
	// ImportProvider uses the account's existing GitHub OIDC provider instead of creating
	// it: an account has one provider per issuer, so when several environments share an
	// account, one of them creates it and the others import it.
	// Default: false (this construct creates the provider).
	ImportProvider bool
}

// GitHubAccess is the OIDC provider and the roles GitHub Actions assumes.
type GitHubAccess struct {
	constructs.Construct
	// Provider is the account's GitHub OIDC identity provider (created or imported).
	Provider awsiam.IOidcProvider
	// DeployRole is assumed by deploy jobs of DeployEnvironment; it can only assume the CDK
	// bootstrap roles (deploy, file/image publishing, lookup).
	DeployRole awsiam.Role
	// DiffRole is assumed by pull-request jobs, which run code from any branch before
	// review: it may read the templates of the environment's stacks and nothing else. It
	// may not assume the CDK lookup role, whose ReadOnlyAccess reads S3 objects, log
	// events and the configuration of the whole account; `cdk diff` falls back to the
	// caller's own credentials when it cannot assume that role.
	DiffRole awsiam.Role
}

// New creates the provider and the two roles.
func New(scope constructs.Construct, id string, props *Props) *GitHubAccess {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	provider := newProvider(c, stack, props.ImportProvider)
	// Exact values only (StringEquals): no other repository, branch, workflow or
	// environment, and no wildcard, can ever match.
	principal := func(subject string, claims map[string]string) awsiam.IPrincipal {
		equals := map[string]any{
			GitHubIssuer + ":aud": "sts.amazonaws.com",
			GitHubIssuer + ":sub": subject,
		}
		for claim, value := range claims {
			equals[GitHubIssuer+":"+claim] = value
		}
		return awsiam.NewOpenIdConnectPrincipal(provider, &map[string]any{"StringEquals": equals})
	}
	bootstrapRole := func(kind, region string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
			ResourceName: jsii.String(fmt.Sprintf("cdk-%s-%s-role-%s-%s", CDKQualifier, kind, *stack.Account(), region)),
		})
	}

	deploy := awsiam.NewRole(c, jsii.String("DeployRole"), &awsiam.RoleProps{
		Description:        jsii.String(fmt.Sprintf("GitHub Actions deploys of %s (environment %s): may only assume the CDK bootstrap roles", props.Repository, props.DeployEnvironment)),
		AssumedBy:          principal(fmt.Sprintf("repo:%s:environment:%s", props.Repository, props.DeployEnvironment), props.deployClaims()),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	var deployTargets []*string
	for _, region := range props.Regions {
		for _, kind := range []string{"deploy", "file-publishing", "image-publishing", "lookup"} {
			deployTargets = append(deployTargets, bootstrapRole(kind, region))
		}
	}
	deploy.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AssumeCdkBootstrapRoles"),
		Actions:   jsii.Strings("sts:AssumeRole", "sts:TagSession"),
		Resources: &deployTargets,
	}))

	diff := awsiam.NewRole(c, jsii.String("DiffRole"), &awsiam.RoleProps{
		Description:        jsii.String(fmt.Sprintf("GitHub Actions cdk diff on pull requests of %s: reads the environment's templates only", props.Repository)),
		AssumedBy:          principal(fmt.Sprintf("repo:%s:pull_request", props.Repository), nil),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	stacks := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudformation"), Region: jsii.String("*"), Resource: jsii.String("stack"),
		ResourceName: jsii.String(props.StackNamePrefix + "*/*"),
	})
	diff.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ReadDeployedTemplates"),
		// What `cdk diff --method template` calls: the stack, its deployed template, and
		// its resources (to find nested stacks).
		Actions:   jsii.Strings("cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"),
		Resources: jsii.Strings(*stacks),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(diff, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("cdk diff reads the templates of the environment's stacks (any region, generated ids); the actions are read-only."),
			AppliesTo: &[]any{jsii.String("Resource::" + *stacks)}},
	}, jsii.Bool(true))
	return &GitHubAccess{Construct: c, Provider: provider, DeployRole: deploy, DiffRole: diff}
}

// newProvider creates the account's GitHub OIDC provider, or imports it by its ARN (which
// IAM derives from the issuer) when another environment of the account creates it.
func newProvider(c constructs.Construct, stack awscdk.Stack, imported bool) awsiam.IOidcProvider {
	if imported {
		arn := stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("oidc-provider"),
			ResourceName: jsii.String(GitHubIssuer),
		})
		return awsiam.OidcProviderNative_FromOidcProviderArn(c, jsii.String("GitHub"), arn)
	}
	return awsiam.NewOidcProviderNative(c, jsii.String("GitHub"), &awsiam.OidcProviderNativeProps{
		Url:       jsii.String("https://" + GitHubIssuer),
		ClientIds: jsii.Strings("sts.amazonaws.com"),
	})
}

// deployClaims are the claims a deploy job's token must carry besides its subject. AWS STS
// evaluates GitHub's `ref` and `job_workflow_ref` claims as condition keys; the default
// subject of a job in an environment (repo:<repo>:environment:<env>) names neither.
func (p *Props) deployClaims() map[string]string {
	workflow := p.DeployWorkflow
	if workflow == "" {
		workflow = DefaultDeployWorkflow
	}
	ref := "refs/heads/" + p.DeployBranch
	return map[string]string{
		"ref":              ref,
		"job_workflow_ref": fmt.Sprintf("%s/%s@%s", p.Repository, workflow, ref),
	}
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	owner, name, ok := strings.Cut(p.Repository, "/")
	v.Require(ok && owner != "" && name != "" && !strings.ContainsAny(p.Repository, "*?"), "Repository",
		fmt.Sprintf("%q; allowed: \"owner/name\" without wildcards", p.Repository))
	v.Require(p.DeployEnvironment != "" && !strings.ContainsAny(p.DeployEnvironment, "*?:"), "DeployEnvironment",
		fmt.Sprintf("%q; allowed: a GitHub environment name without wildcards", p.DeployEnvironment))
	v.Require(p.DeployBranch != "" && !strings.ContainsAny(p.DeployBranch, "*?@:"), "DeployBranch",
		fmt.Sprintf("%q; allowed: the branch that deploys the environment, without wildcards", p.DeployBranch))
	v.Require(!strings.ContainsAny(p.DeployWorkflow, "*?@:"), "DeployWorkflow",
		fmt.Sprintf("%q; allowed: a workflow path such as %s, without wildcards", p.DeployWorkflow, DefaultDeployWorkflow))
	v.Require(p.StackNamePrefix != "" && !strings.ContainsAny(p.StackNamePrefix, "*?"), "StackNamePrefix",
		fmt.Sprintf("%q; allowed: the environment's stack-name prefix without wildcards", p.StackNamePrefix))
	v.Require(len(p.Regions) > 0, "Regions", "is empty; allowed: the regions the environment deploys to")
	return v
}
