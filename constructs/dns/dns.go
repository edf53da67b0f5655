// Package dns provides the Route 53 pieces that let environments in different accounts
// share one parent domain. A hosted zone belongs to exactly one account, so an
// environment outside the parent zone's account gets a DelegatedZone per host name in its
// own account, and the parent zone's account holds, per such environment, a
// DelegationRole that may write exactly that environment's NS records into the parent.
package dns

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// DelegatedZoneProps configures a DelegatedZone.
type DelegatedZoneProps struct {
	// DomainName is the zone's name, a host name inside ParentZoneName, e.g.
	// "staging-api.garcon.app".
	DomainName string
	// ParentZoneName is the parent zone's name, e.g. "garcon.app".
	ParentZoneName string
	// ParentZoneID is the parent zone's id in the other account.
	ParentZoneID string
	// DelegationRoleArn is the role in the parent zone's account that may write
	// DomainName's NS record (a DelegationRole).
	DelegationRoleArn string
	// TTL is how long resolvers cache the delegation (the NS record in the parent zone).
	// Default: 1 hour, so that a replaced zone's name servers take over within the hour.
	TTL awscdk.Duration
	// RemovalPolicy applies to the zone and to its delegation record together: a retained
	// delegation to a deleted zone would let anyone who creates a zone of that name on the
	// same name servers take the host name over.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// DelegatedZone is a public hosted zone in this account, delegated from a parent zone in
// another account.
type DelegatedZone struct {
	constructs.Construct
	// Zone holds the host name's records; only Amazon may issue certificates for it (CAA).
	Zone awsroute53.PublicHostedZone
	// Delegation writes the zone's NS record into the parent zone through the delegation
	// role (a custom resource).
	Delegation awsroute53.CrossAccountZoneDelegationRecord
}

// NewDelegatedZone creates the zone and its delegation.
func NewDelegatedZone(scope constructs.Construct, id string, props *DelegatedZoneProps) *DelegatedZone {
	p := props.withDefaults()
	p.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	zone := awsroute53.NewPublicHostedZone(c, jsii.String("Zone"), &awsroute53.PublicHostedZoneProps{
		ZoneName:  jsii.String(p.DomainName),
		Comment:   jsii.String(fmt.Sprintf("%s, delegated from %s in another account", p.DomainName, p.ParentZoneName)),
		CaaAmazon: jsii.Bool(true),
	})
	zone.ApplyRemovalPolicy(p.RemovalPolicy)
	delegation := awsroute53.NewCrossAccountZoneDelegationRecord(c, jsii.String("Delegation"), &awsroute53.CrossAccountZoneDelegationRecordProps{
		DelegatedZone:      zone,
		ParentHostedZoneId: jsii.String(p.ParentZoneID),
		DelegationRole:     awsiam.Role_FromRoleArn(c, jsii.String("DelegationRole"), jsii.String(p.DelegationRoleArn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
		Ttl:                p.TTL,
		RemovalPolicy:      p.RemovalPolicy,
	})
	// The record adds sts:AssumeRole on the delegation role to the policy of CDK's
	// shared provider role, which it imports; that policy is inline by construction.
	cdknag.NagSuppressions_AddResourceSuppressions(delegation, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String("CDK's zone-delegation provider role gets one statement, sts:AssumeRole on the parent account's delegation role, in a policy of that role alone.")},
	}, jsii.Bool(true))
	return &DelegatedZone{Construct: c, Zone: zone, Delegation: delegation}
}

// DelegationRoleProps configures a DelegationRole.
type DelegationRoleProps struct {
	// RoleName is the role's name: the delegated environment assumes it by ARN, so the
	// name is the contract between the two accounts.
	RoleName string
	// ParentZone is the zone, in this stack's account, the role writes NS records into.
	ParentZone awsroute53.IHostedZone
	// DelegatedNames are the only record names the role may write, e.g.
	// "staging-api.garcon.app"; NS records only (UPSERT and DELETE).
	DelegatedNames []string
	// TrustedAccount is the delegated environment's 12-digit account id.
	TrustedAccount string
	// TrustedRoleNamePattern narrows the trust to the roles of TrustedAccount whose name
	// matches it (IAM ArnLike), e.g. "Staging-Dns-*": the zone-delegation custom resource's
	// role, which CloudFormation names after its stack.
	TrustedRoleNamePattern string
}

// DelegationRole is the role in the parent zone's account that one delegated environment
// assumes to write its NS records.
type DelegationRole struct {
	constructs.Construct
	// Role may change exactly the NS records of DelegatedNames in ParentZone.
	Role awsiam.Role
}

// NewDelegationRole creates the role and grants it the delegation of DelegatedNames.
func NewDelegationRole(scope constructs.Construct, id string, props *DelegationRoleProps) *DelegationRole {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	trustedRoles := awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(props.TrustedAccount),
		Resource: jsii.String("role"), ResourceName: jsii.String(props.TrustedRoleNamePattern),
	})
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String(fmt.Sprintf("Writes the NS records of %s into %s, nothing else", strings.Join(props.DelegatedNames, ", "), *props.ParentZone.ZoneName())),
		AssumedBy: awsiam.NewAccountPrincipal(jsii.String(props.TrustedAccount)).WithConditions(&map[string]any{
			"ArnLike": map[string]any{"aws:PrincipalArn": trustedRoles},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	props.ParentZone.GrantDelegation(role, &awsroute53.GrantDelegationOptions{DelegatedZoneNames: jsii.Strings(props.DelegatedNames...)})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("route53:ListHostedZonesByName has no resource-level permissions; record changes are limited to NS records of the delegated names in the one parent zone."),
			AppliesTo: &[]any{jsii.String("Resource::*")}},
	}, jsii.Bool(true))
	return &DelegationRole{Construct: c, Role: role}
}

func (p *DelegatedZoneProps) withDefaults() DelegatedZoneProps {
	out := *p
	if out.TTL == nil {
		out.TTL = awscdk.Duration_Hours(jsii.Number(1))
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return out
}

func (p *DelegatedZoneProps) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.ParentZoneName != "", "ParentZoneName", "is required; allowed: the parent zone's domain name, e.g. garcon.app")
	v.Require(p.ParentZoneID != "", "ParentZoneID", "is required; allowed: the parent zone's id, e.g. Z0123456789ABCDEFGHIJ")
	v.Require(p.DelegationRoleArn != "", "DelegationRoleArn", "is required; allowed: the ARN of the DelegationRole in the parent zone's account")
	if p.ParentZoneName != "" && !strings.HasSuffix(p.DomainName, "."+p.ParentZoneName) {
		v.Addf("DomainName", "%q is not inside %s; allowed: a name below the parent zone, e.g. staging-api.%s", p.DomainName, p.ParentZoneName, p.ParentZoneName)
	}
	return v
}

func (p *DelegationRoleProps) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.RoleName != "", "RoleName", "is required; allowed: the role name the delegated environment is configured with")
	v.Require(p.ParentZone != nil, "ParentZone", "is required; allowed: the parent hosted zone of this account")
	v.Require(len(p.TrustedAccount) == 12 && strings.Trim(p.TrustedAccount, "0123456789") == "", "TrustedAccount", fmt.Sprintf("%q is not an account id; allowed: 12 digits", p.TrustedAccount))
	v.Require(p.TrustedRoleNamePattern != "" && p.TrustedRoleNamePattern != "*", "TrustedRoleNamePattern", "is required and must not be \"*\"; allowed: a role-name pattern such as Staging-Dns-*")
	v.Require(len(p.DelegatedNames) > 0, "DelegatedNames", "is empty; allowed: the host names the environment may delegate")
	for _, name := range p.DelegatedNames {
		v.Require(name != "" && !strings.ContainsAny(name, "*?"), "DelegatedNames", fmt.Sprintf("%q; allowed: literal host names without wildcards", name))
	}
	return v
}

// Certificate creates, as scope's child "Certificate", the ACM certificate of domainName,
// validated by DNS records that ACM asks for in zone (the zone must be of this account).
func Certificate(scope constructs.Construct, zone awsroute53.IHostedZone, domainName string) awscertificatemanager.Certificate {
	return awscertificatemanager.NewCertificate(scope, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(domainName),
		Validation: awscertificatemanager.CertificateValidation_FromDns(zone),
	})
}

// Aliases points domainName's A and AAAA records in zone at target, as scope's children
// "AliasIpv4" and "AliasIpv6": every public endpoint of the project is dual-stack.
func Aliases(scope constructs.Construct, zone awsroute53.IHostedZone, domainName string, target awsroute53.IAliasRecordTarget) {
	record := awsroute53.RecordTarget_FromAlias(target)
	awsroute53.NewARecord(scope, jsii.String("AliasIpv4"), &awsroute53.ARecordProps{Zone: zone, RecordName: jsii.String(domainName), Target: record})
	awsroute53.NewAaaaRecord(scope, jsii.String("AliasIpv6"), &awsroute53.AaaaRecordProps{Zone: zone, RecordName: jsii.String(domainName), Target: record})
}

// InZone reports whether domainName is zoneName or a name below it.
func InZone(domainName, zoneName string) bool {
	return domainName == zoneName || strings.HasSuffix(domainName, "."+zoneName)
}
