package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ApplyPolicyChecks runs the cdk-nag AwsSolutions rule pack over every construct of app.
// Unsuppressed findings become error and warning annotations, and errors fail synthesis.
// Suppressions live next to the resource they excuse, each with its reason.
//
// The aspect is added to each stage rather than to the app: a stage writes its nested
// cloud assembly before the app's own aspects run, so an app-level aspect's findings
// would never reach the stage's manifest.
func ApplyPolicyChecks(app *App) {
	for _, stage := range app.Stages() {
		awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
			Verbose: jsii.Bool(true),
		}), nil)
	}
	for _, stage := range app.Stages() {
		// Mutating aspects run before the packs read the suppressions, and also see what
		// constructs add while the app is prepared for synthesis.
		awscdk.Aspects_Of(stage).Add(&policyExplanations{}, &awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
	}
	for _, stage := range protectedStages(app) {
		awscdk.Aspects_Of(stage).Add(cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{
			Verbose: jsii.Bool(true),
		}), nil)
	}
}

// protectedStages are the stages the NIST 800-53 rev 5 pack also checks: the protected
// environments' and the DNS zone's (which serves every environment).
func protectedStages(app *App) []awscdk.Stage {
	var out []awscdk.Stage
	for _, env := range app.Environments {
		if env.Config.IsProtected() {
			out = append(out, env.Stage)
		}
	}
	if app.DNSZone != nil {
		out = append(out, app.DNSZone.Stage)
	}
	return out
}

// policyExplanations records the suppressions that hold for a whole class of resources,
// each with the one reason true for all of them.
type policyExplanations struct{}

// Visit explains node if it is of such a class.
func (*policyExplanations) Visit(node constructs.IConstruct) {
	suppressGrantPolicies(node)
	suppressUnresolvablePorts(node)
}

// suppressGrantPolicies records, on every policy that is a child of one role (the
// "DefaultPolicy" CDK grants write to, or a construct's own role policy), why
// NIST 800-53's no-inline-policy rule does not apply: Grant* writes least-privilege
// statements into a policy that belongs to one role and is deleted with it; the access
// matrix (tools/access) checks what each role may do.
func suppressGrantPolicies(node constructs.IConstruct) {
	if _, ok := node.(awsiam.Policy); !ok {
		return
	}
	if _, ok := node.Node().Scope().(awsiam.Role); !ok {
		return // a policy that is not a child of one role is checked as usual
	}
	cdknag.NagSuppressions_AddResourceSuppressions(node, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String("Grant* writes this role's least-privilege statements into a policy of this role alone, deleted with it; the access matrix checks what the role may do.")},
	}, jsii.Bool(true))
}

// suppressUnresolvablePorts records why two NIST rules cannot evaluate the security-group
// rules whose port is the database's endpoint-port attribute (a token until deployment):
// they admit one security group, never a CIDR, so no SSH or common port is open to
// anywhere. The egress and ingress tests pin these rules exactly.
func suppressUnresolvablePorts(node constructs.IConstruct) {
	var port *float64
	switch rule := node.(type) {
	case awsec2.CfnSecurityGroupIngress:
		if rule.SourceSecurityGroupId() == nil {
			return
		}
		port = rule.FromPort()
	case awsec2.CfnSecurityGroupEgress:
		if rule.DestinationSecurityGroupId() == nil {
			return
		}
		port = rule.FromPort()
	default:
		return
	}
	if port == nil || !*awscdk.Token_IsUnresolved(port) {
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(node, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("CdkNagValidationFailure"), Reason: jsii.String("The port is the database's endpoint-port attribute, unknown until deployment; the rule admits one security group, never a CIDR."),
			AppliesTo: &[]any{jsii.String("NIST.800.53.R5-EC2RestrictedSSH"), jsii.String("NIST.800.53.R5-EC2RestrictedCommonPorts")}},
	}, jsii.Bool(false))
}
