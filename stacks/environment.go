// Package stacks composes the constructs into the stacks of each environment: one
// awscdk.Stage per environment, holding the Network, Data, Service, Edge, Backup and
// Resilience stacks.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/observability"
)

// Environment is the CDK stage of one deployment environment and its stacks.
type Environment struct {
	// Config is the validated configuration the stage was built from.
	Config config.Environment
	// Stage is the CDK stage; `cdk deploy '<StageName>/*'` deploys all of its stacks.
	Stage awscdk.Stage
	// Network holds the VPC.
	Network *NetworkStack
	// Data holds the database, cache, uploads bucket, secrets and backup plan.
	Data *DataStack
	// Backup holds the disaster-recovery vault in the DR region.
	Backup *BackupStack
	// Service holds the API, its load balancer, WAF and DNS records.
	Service *ServiceStack
	// Edge holds CloudFront and the static assets in us-east-1.
	Edge *EdgeStack
	// CICD holds the GitHub OIDC provider and the CI roles.
	CICD *CICDStack
	// Resilience holds the restore tests and the fault-injection experiments.
	Resilience *ResilienceStack
	// Monitoring holds every alarm of the environment and drew its dashboard.
	Monitoring *observability.Monitoring
	// DNS holds the environment's delegated zones; nil for an environment in the parent
	// zone's account, whose records go into the parent zone.
	DNS *DNSStack
}

// App is everything Build adds to a CDK app.
type App struct {
	// Environments are the stages of the configured environments, in config order.
	Environments []*Environment
	// DNSZone is the stage of the parent zone's account; nil when no environment needs
	// delegated zones.
	DNSZone *DNSZoneStage
}

// Stages lists every stage of the app: the environments', then the zone account's.
func (a *App) Stages() []awscdk.Stage {
	var out []awscdk.Stage
	for _, env := range a.Environments {
		out = append(out, env.Stage)
	}
	if a.DNSZone != nil {
		out = append(out, a.DNSZone.Stage)
	}
	return out
}

// Options are the inputs of Build that are not configuration.
type Options struct {
	// AppDir is the API's Docker build context (the repository's app/ directory).
	AppDir string

	// importProvider is set by Build for an environment whose account's GitHub OIDC
	// provider is created by an earlier environment.
	importProvider bool
}

// Build adds one stage per environment to app, and the DnsZone stage when an environment
// needs delegated zones. envs must have passed config.ValidateAll. It must be called
// before anything else is added to app, because it seeds the availability-zone context
// that keeps synthesis free of lookups.
func Build(app awscdk.App, envs []config.Environment, opts Options) *App {
	seedAvailabilityZones(app, envs)
	out := &App{}
	providers := map[string]bool{} // accounts whose GitHub OIDC provider an earlier environment creates
	for _, env := range envs {
		opts.importProvider = providers[env.Account]
		providers[env.Account] = true
		out.Environments = append(out.Environments, NewEnvironment(app, env, opts))
	}
	out.DNSZone = NewDNSZoneStage(app, envs)
	return out
}

// seedAvailabilityZones answers, from config, the availability-zone lookups some L2
// constructs make even when the VPC is given its zones: a lookup would mean a second
// synthesis run that fails without credentials. Keys are per account and region, so
// environments sharing both must agree (config.ValidateAll checks it); the DR and edge
// regions' stacks hold no VPC and get a placeholder only where no environment's primary
// region already answers for that account and region.
func seedAvailabilityZones(app awscdk.App, envs []config.Environment) {
	key := func(account, region string) string {
		return fmt.Sprintf("availability-zones:account=%s:region=%s", account, region)
	}
	primary := map[string]bool{}
	for _, env := range envs {
		k := key(env.Account, env.Region)
		primary[k] = true
		app.Node().SetContext(jsii.String(k), env.AvailabilityZones)
	}
	for _, env := range envs {
		for _, region := range []string{env.DRRegion, EdgeRegion} {
			if k := key(env.Account, region); !primary[k] {
				app.Node().SetContext(jsii.String(k), []string{region + "a", region + "b", region + "c"})
			}
		}
	}
}

// NewEnvironment creates the stage of one environment with all of its stacks.
func NewEnvironment(app awscdk.App, env config.Environment, opts Options) *Environment {
	stage := awscdk.NewStage(app, jsii.String(env.StageName), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
	})
	tagEnvironment(stage, env)
	awscdk.Aspects_Of(stage).Add(&observability.LambdaLogRetention{
		Retention: retentionDays(env.Logs.RetentionDays), RemovalPolicy: removalPolicy(env),
	}, nil)

	monitoring := observability.NewMonitoring(env.Name)
	network := NewNetworkStack(stage, "Network", env)
	backupStack := NewBackupStack(stage, "Backup", env)
	data := NewDataStack(stage, "Data", env, network.Vpc, monitoring)
	// The plan copies into the DR vault by name: the vault must exist first.
	data.AddStackDependency(backupStack.Stack, jsii.String("backup copies go to the DR vault"))
	var dnsStack *DNSStack
	if env.DelegatesDNS() {
		dnsStack = NewDNSStack(stage, "Dns", env)
	}
	edgeStack := NewEdgeStack(stage, "Edge", env, dnsStack, monitoring)
	svc := NewServiceStack(stage, "Service", env, opts.AppDir, network, data, dnsStack, edgeStack, monitoring)
	// With a shared account, the environment that creates the provider deploys its CICD
	// stack first (stages cannot depend on each other; README, "Deploying").
	ci := NewCICDStack(stage, "CICD", env, opts.importProvider)
	resilience := NewResilienceStack(stage, "Resilience", env, network, data, svc, edgeStack)
	return &Environment{Config: env, Stage: stage, Network: network, Data: data, Backup: backupStack, Service: svc, Edge: edgeStack, CICD: ci, DNS: dnsStack,
		Resilience: resilience, Monitoring: monitoring}
}

// tagEnvironment tags every taggable resource of the stage so cost reports split by
// project, environment, owner and cost centre.
func tagEnvironment(stage awscdk.Stage, env config.Environment) {
	tags := awscdk.Tags_Of(stage)
	tags.Add(jsii.String("project"), jsii.String("garcon"), nil)
	tags.Add(jsii.String(EnvironmentTagKey), jsii.String(env.Name), nil)
	tags.Add(jsii.String("owner"), jsii.String(env.Tags.Owner), nil)
	tags.Add(jsii.String("cost-center"), jsii.String(env.Tags.CostCenter), nil)
}

// stackProps returns the props shared by the environment's stacks in its primary region.
func stackProps(env config.Environment, description string) *awscdk.StackProps {
	return &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
		Description: jsii.String(fmt.Sprintf("Garçon %s: %s", env.Name, description)),
		// Production stacks hold or front customer data: deleting one must be a deliberate,
		// two-step act.
		TerminationProtection: jsii.Bool(env.IsProtected()),
	}
}

// removalPolicy keeps stateful resources of production when their stack or construct is
// deleted, and lets staging be torn down completely.
func removalPolicy(env config.Environment) awscdk.RemovalPolicy {
	if env.IsProtected() {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// alarmNamePrefix starts the name of every alarm of env: CloudFormation names an alarm
// "<stack name>-<logical id>-<suffix>" and every stack name of the stage starts with the
// stage name, and the explicitly named deployment alarms follow the same scheme. The
// alarm topics admit CloudWatch for these alarms only.
func alarmNamePrefix(env config.Environment) string { return env.StageName + "-" }
