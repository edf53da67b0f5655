package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/dns"
	"github.com/garcon/infrastructure/constructs/keys"
)

// DNS ownership (README, "DNS ownership"): a hosted zone belongs to one account. An
// environment in the parent zone's account writes its records into the parent zone; any
// other environment gets, in its own account, a zone per host name (its Dns stack),
// delegated from the parent through a role that the DnsZone stage creates in the zone's
// account.

// Zones are the hosted zones an environment's records go into.
type Zones struct {
	// API holds the API host's records (alias and certificate validation).
	API awsroute53.IHostedZone
	// Static holds the static-assets host's records.
	Static awsroute53.IHostedZone
}

// DNSStack holds the delegated zones of an environment outside the parent zone's account.
// It is stateful: a new zone has new name servers, which resolvers only learn once the
// cached delegation expires.
type DNSStack struct {
	awscdk.Stack
	// Zones are the environment's own zones, APIDomain and StaticDomain.
	Zones Zones
}

// NewDNSStack creates the delegated zones of env (env.DelegatesDNS() must hold).
func NewDNSStack(scope constructs.Construct, id string, env config.Environment) *DNSStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "public hosted zones of its host names, delegated from "+env.DNS.ZoneName))
	delegated := func(id, domain string) awsroute53.IHostedZone {
		return dns.NewDelegatedZone(stack, id, &dns.DelegatedZoneProps{
			DomainName:        domain,
			ParentZoneName:    env.DNS.ZoneName,
			ParentZoneID:      env.DNS.HostedZoneID,
			DelegationRoleArn: delegationRoleArn(stack, env),
			RemovalPolicy:     removalPolicy(env),
		}).Zone
	}
	zones := Zones{API: delegated("ApiZone", env.APIDomain()), Static: delegated("StaticZone", env.StaticDomain())}
	// The zone-delegation custom resource's own log group.
	keys.EncryptLogGroups(stack, keys.NewLogsKey(stack, "LogsKey", &keys.Props{
		Description: "Garçon " + env.Name + ": logs of the DNS delegation custom resource", RemovalPolicy: removalPolicy(env),
	}))
	return &DNSStack{Stack: stack, Zones: zones}
}

// delegationRoleArn is the ARN of env's delegation role in the zone's account, formatted
// with this stack's partition.
func delegationRoleArn(stack awscdk.Stack, env config.Environment) string {
	return *stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(env.DNS.ZoneAccount),
		Resource: jsii.String("role"), ResourceName: jsii.String(env.DNS.Delegation.RoleName),
	})
}

// parentZone imports the parent zone into stack, for an environment in the zone's account.
func parentZone(stack awscdk.Stack, env config.Environment) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(env.DNS.HostedZoneID),
		ZoneName:     jsii.String(env.DNS.ZoneName),
	})
}

// DNSZoneStage is the stage of the parent zone's account: one delegation role per
// delegated environment.
type DNSZoneStage struct {
	// Stage is the CDK stage `cdk deploy 'DnsZone/*'` deploys.
	Stage awscdk.Stage
	// Delegation holds the delegation roles.
	Delegation awscdk.Stack
}

// NewDNSZoneStage creates the DnsZone stage for the delegated environments of envs, or
// returns nil when none is delegated. envs must have passed config.ValidateAll, which
// guarantees they agree on the parent zone and its account.
func NewDNSZoneStage(app awscdk.App, envs []config.Environment) *DNSZoneStage {
	var delegated []config.Environment
	for _, env := range envs {
		if env.DelegatesDNS() {
			delegated = append(delegated, env)
		}
	}
	if len(delegated) == 0 {
		return nil
	}
	zone := delegated[0].DNS
	where := &awscdk.Environment{Account: jsii.String(zone.ZoneAccount), Region: jsii.String(EdgeRegion)}
	stage := awscdk.NewStage(app, jsii.String(config.DNSZoneStageName), &awscdk.StageProps{Env: where})
	awscdk.Tags_Of(stage).Add(jsii.String("project"), jsii.String("garcon"), nil)
	stack := awscdk.NewStack(stage, jsii.String("Delegation"), &awscdk.StackProps{
		Env:         where,
		Description: jsii.String(fmt.Sprintf("Garçon: roles that let environments in other accounts delegate their names in %s", zone.ZoneName)),
		// Deleting it breaks every delegated environment's next DNS change.
		TerminationProtection: jsii.Bool(true),
	})
	parent := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zone.HostedZoneID), ZoneName: jsii.String(zone.ZoneName),
	})
	for _, env := range delegated {
		dns.NewDelegationRole(stack, env.StageName, &dns.DelegationRoleProps{
			RoleName:       env.DNS.Delegation.RoleName,
			ParentZone:     parent,
			DelegatedNames: []string{env.APIDomain(), env.StaticDomain()},
			TrustedAccount: env.Account,
			// CloudFormation names the delegation custom resource's role after its stack.
			TrustedRoleNamePattern: env.StageName + "-Dns-*",
		})
	}
	return &DNSZoneStage{Stage: stage, Delegation: stack}
}
