// Package config holds the typed, per-environment configuration of the Garçon
// infrastructure and its validation.
//
// Configuration is plain Go: one Environment value per deployment environment.
// It has no side effects — nothing here reads files, the process environment or
// CDK context. main.go is the only place that applies command-line overrides
// (see ApplyOverrides) before calling Validate.
package config

// Platform is the CPU architecture of the Fargate tasks.
type Platform string

const (
	// PlatformARM64 runs tasks on AWS Graviton, about 20 % cheaper than x86 for the same size.
	PlatformARM64 Platform = "arm64"
	// PlatformAMD64 runs tasks on x86_64.
	PlatformAMD64 Platform = "amd64"
)

// Protection is what an environment's resources survive; it alone decides removal
// policies, deletion and termination protection and the stricter validation rules — an
// environment's name decides nothing.
type Protection string

const (
	// Protected environments hold data that must survive mistakes: stateful resources are
	// retained or snapshotted when their stack is deleted, deletion and termination
	// protection are on, and validation requires availability (Multi-AZ, replicas, three
	// zones, a NAT gateway per zone) and 30-day backups.
	Protected Protection = "protected"
	// Disposable environments can be torn down and recreated at will: everything is
	// deleted with its stacks (buckets emptied first) and nothing is protected.
	Disposable Protection = "disposable"
)

// Deployment strategies of Service.Deployment.
const (
	// DeploymentRolling replaces tasks in place, rolled back by the circuit breaker or alarms.
	DeploymentRolling = "rolling"
	// DeploymentCanary shifts a slice of traffic to the new revision first (ECS native canary).
	DeploymentCanary = "canary"
)

// DNSZoneStageName is the CDK stage of the parent hosted zone's account, which holds the
// roles that let environments of other accounts delegate their host names
// (`cdk deploy 'DnsZone/*'`); not an environment.
const DNSZoneStageName = "DnsZone"

// Environment is everything the stacks of one deployment environment need.
// Every field is required unless its comment says otherwise.
type Environment struct {
	// Name is the lower-case environment name used in tags and metric dimensions, e.g. "staging".
	Name string
	// StageName is the CDK Stage id, e.g. "Staging"; `cdk deploy 'Staging/*'` deploys the environment.
	StageName string
	// Protection is the environment's tier: "protected" (retained, deletion- and
	// termination-protected, availability rules enforced) or "disposable" (torn down with
	// its stacks).
	Protection Protection
	// Account is the 12-digit AWS account id the environment is deployed to.
	// Override on the command line with `-c <name>.account=123456789012`.
	Account string
	// Region is the primary region (network, data and service stacks).
	Region string
	// DRRegion receives the cross-region backup copies; it must differ from Region.
	DRRegion string
	// AvailabilityZones are the AZ names the VPC spans, all in Region (2 or 3).
	// They are fixed here so synthesis never looks them up.
	AvailabilityZones []string

	// Network sizes the VPC.
	Network Network
	// DNS names the hosted zone and the host names of the environment.
	DNS DNS
	// Database sizes the RDS PostgreSQL primary and its replicas.
	Database Database
	// Cache sizes the ElastiCache Redis replication group.
	Cache Cache
	// Backup configures AWS Backup and the cross-region copies.
	Backup Backup
	// Service sizes the Fargate API service.
	Service Service
	// Edge configures the CloudFront distribution of static assets.
	Edge Edge
	// Logs sets retention of the environment's log groups.
	Logs Logs
	// Alarms routes alarm notifications.
	Alarms Alarms
	// GitHub names the repository and branch that deploy this environment.
	GitHub GitHub
	// Faults configures the AWS FIS experiments of the environment's game days.
	Faults Faults
	// Tags are the cost-allocation tags put on every resource of the environment.
	Tags Tags
	// Usage are the monthly traffic and storage assumptions the cost estimate
	// (tools/costestimate) prices usage-based charges with; nothing is deployed from them.
	Usage Usage
	// Spend sets the environment's cost budget and cost-anomaly alerts.
	Spend Spend
}

// Network configures the VPC.
type Network struct {
	// VpcCidr is the VPC's IPv4 block, a private (RFC 1918) /16 to /20.
	VpcCidr string
	// NatGateways is the number of NAT gateways: 1 (cost) up to one per AZ (availability).
	NatGateways int
	// InterfaceEndpoints adds VPC interface endpoints for ECR (api, dkr), CloudWatch Logs and
	// Secrets Manager so tasks reach them without the NAT gateways. Default: false.
	InterfaceEndpoints bool
}

// DNS configures the environment's public host names and where their records live.
//
// A hosted zone belongs to exactly one AWS account. An environment in ZoneAccount writes
// its records into the parent zone itself; an environment in any other account gets a
// public hosted zone of its own per host name (APIDomain, StaticDomain) in its own
// account, delegated from the parent zone by NS records it writes through a role in
// ZoneAccount (see README, "DNS ownership").
type DNS struct {
	// HostedZoneID is the id of the existing public parent zone, e.g. "Z0123456789ABCDEFGHIJ".
	HostedZoneID string
	// ZoneName is the parent zone's domain name, e.g. "garcon.app".
	ZoneName string
	// ZoneAccount is the 12-digit id of the account that owns the parent zone. Override on
	// the command line with `-c dns.account=123456789012` (every environment at once).
	ZoneAccount string
	// APIHost is the label of the API host inside the zone, e.g. "api" → api.garcon.app.
	APIHost string
	// StaticHost is the label of the CloudFront static-assets host, e.g. "static".
	StaticHost string
	// Delegation gives the environment delegated zones of its own. Required when Account
	// is not ZoneAccount; not allowed when it is.
	// Default: nil (records go into the parent zone).
	Delegation *DNSDelegation
}

// DNSDelegation configures the zones of an environment outside the parent zone's account.
type DNSDelegation struct {
	// RoleName names the role in DNS.ZoneAccount that may write the NS records of this
	// environment's host names, and nothing else, into the parent zone; the DnsZone stage
	// creates it. The name is the contract between the two accounts, e.g.
	// "garcon-dns-delegation-staging".
	RoleName string
}

// Database sizes RDS PostgreSQL.
type Database struct {
	// InstanceClass is the RDS instance class without the "db." prefix, e.g. "t4g.medium".
	InstanceClass string
	// AllocatedStorageGiB is the initial storage (20–65536 GiB).
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB is the storage-autoscaling ceiling, above AllocatedStorageGiB.
	MaxAllocatedStorageGiB int
	// MultiAZ runs a synchronous standby in a second AZ. Production must set it.
	MultiAZ bool
	// ReadReplicas is the number of read replicas (0–15; production at least 1).
	ReadReplicas int
	// BackupRetentionDays keeps automated backups (point-in-time recovery) for 1–35 days.
	BackupRetentionDays int
}

// Cache sizes ElastiCache Redis.
type Cache struct {
	// NodeType is the ElastiCache node type with its "cache." prefix, e.g. "cache.t4g.micro".
	NodeType string
	// Replicas is the number of replicas of the primary (0–5; production at least 1 for failover).
	Replicas int
	// SnapshotRetentionDays keeps daily snapshots for 0–35 days.
	SnapshotRetentionDays int
}

// Backup configures the AWS Backup plan of the environment.
type Backup struct {
	// RetentionDays keeps daily and continuous (point-in-time) backups and their DR copies,
	// 1–35 days (the continuous-backup maximum); production at least 30.
	RetentionDays int
	// DRVaultName names the backup vault in DRRegion that receives the copies. The name is
	// fixed here, not passed as a cross-region reference, so the primary region's plan can
	// name it without the custom resources CDK's cross-region references deploy.
	DRVaultName string
	// RestoreTestSchedule is when AWS Backup restore-tests the latest recovery points of the
	// database and the uploads bucket: an EventBridge cron expression in UTC with six
	// fields, e.g. "cron(0 5 ? * SAT *)" (weekly) or "cron(0 5 1 * ? *)" (monthly).
	RestoreTestSchedule string
	// RestoreTestValidationHours keeps the restored copies this many hours (1–168) for
	// inspection before AWS Backup deletes them.
	RestoreTestValidationHours int
}

// Faults configures the AWS Fault Injection Service experiment templates of the
// environment (README, "Game days"). Nothing runs until someone starts an experiment.
type Faults struct {
	// StopTaskPercent is the share of the API's running tasks the stop-tasks experiment
	// stops (1–100; protected environments at most 50).
	StopTaskPercent int
	// InterruptMinutes is how long the Redis and availability-zone power interruptions
	// last (1–60).
	InterruptMinutes int
	// AZPowerInterruption adds the availability-zone power interruption scenario (API
	// tasks, a forced database failover and Redis in the first zone at once); it needs a
	// Multi-AZ database and Redis replicas. Default: false.
	AZPowerInterruption bool
}

// Service sizes the Fargate API.
type Service struct {
	// CPU is the task CPU in units (256, 512, 1024, 2048, 4096).
	CPU int
	// MemoryMiB is the task memory; it must be a valid Fargate pairing with CPU.
	MemoryMiB int
	// MinTasks is the auto-scaling floor and the initial desired count.
	MinTasks int
	// MaxTasks is the auto-scaling ceiling.
	MaxTasks int
	// Platform is the task CPU architecture.
	Platform Platform
	// WafRateLimit is the per-IP request limit per 5 minutes of the regional WAF (100–2,000,000,000).
	WafRateLimit int
	// Deployment is how new revisions roll out: "rolling" (replace tasks, circuit breaker
	// and alarm rollback) or "canary" (ECS native canary: 10 % of the traffic for 10
	// minutes on the new revision, instant rollback on alarm).
	Deployment string
	// Tracing configures the API's traces and their collector sidecar.
	Tracing Tracing
	// EcsExec configures debugging sessions in the API's containers.
	EcsExec EcsExec
}

// Edge configures CloudFront.
type Edge struct {
	// PriceClass limits the edge locations (and their cost): "PriceClass_100" (North
	// America, Europe, Israel), "PriceClass_200" (adds most of Asia, Africa, Middle East)
	// or "PriceClass_All".
	PriceClass string
	// WafRateLimit is the per-IP request limit per 5 minutes of the CloudFront WAF (100–2,000,000,000).
	WafRateLimit int
}

// Logs sets CloudWatch Logs retention (days; one of CloudWatch's allowed values).
type Logs struct {
	// RetentionDays applies to application, database and cache logs.
	RetentionDays int
	// FlowLogRetentionDays applies to the VPC flow logs.
	FlowLogRetentionDays int
}

// Alarms routes alarm notifications and sets the thresholds that differ between
// environments; the others are defaults of constructs/observability.
type Alarms struct {
	// Emails receive the alarm topic's notifications (at least one).
	Emails []string
	// HTTP5xxPercent is the share of 5xx answers (load balancer + targets) that alarms and
	// rolls back a deployment (0.1–50).
	HTTP5xxPercent float64
	// P99LatencyMillis is the p99 target response time that alarms (50–30000).
	P99LatencyMillis int
	// DatabaseConnections alarms when the writer holds more connections (10–5000).
	DatabaseConnections int
	// DatabaseFreeStorageGiB alarms when less storage is free (1–1000).
	DatabaseFreeStorageGiB int
	// CacheConnections alarms when a Redis node holds more client connections (10–65000).
	CacheConnections int
	// WafBlockedPer5Minutes alarms when a web ACL blocks more requests in 5 minutes
	// (10–10000000): an attack or a false positive to look at.
	WafBlockedPer5Minutes int
}

// GitHub names the source of deployments.
type GitHub struct {
	// Repository is "owner/name" of the repository allowed to deploy.
	Repository string
	// Branch is the branch whose pushes deploy this environment.
	Branch string
	// DefaultBranch is the repository's default branch, the one scheduled workflows (the
	// nightly drift check) run on; only its jobs may assume the read-only drift role.
	DefaultBranch string
}

// Tags are cost-allocation tags.
type Tags struct {
	// Owner is the team accountable for the environment.
	Owner string
	// CostCenter is the finance cost centre the bill is split by.
	CostCenter string
}

// Usage is what an environment is assumed to consume in a month. Only the cost estimate
// reads it: the templates say what is provisioned, these numbers say how much of the
// usage-priced services (requests, data, storage) it uses. Update them from the bill.
type Usage struct {
	// APIRequestsMillions is the number of requests to the API per month, in millions; the
	// regional WAF inspects each of them (0–100000).
	APIRequestsMillions float64
	// LoadBalancerLCU is the average number of load balancer capacity units the ALB consumes
	// each hour (an LCU is 25 new connections/s, 3,000 active connections, 1 GB/h processed
	// or 1,000 rule evaluations/s, whichever is highest) (0–10000).
	LoadBalancerLCU float64
	// StaticRequestsMillions is the number of HTTPS requests to CloudFront per month, in
	// millions; the CloudFront WAF inspects each of them (0–100000).
	StaticRequestsMillions float64
	// CloudFrontGBOut is the data CloudFront sends to viewers per month, in GB (0–1000000).
	CloudFrontGBOut float64
	// NATGBProcessed is the data all NAT gateways of the environment process per month
	// together, in GB (0–1000000).
	NATGBProcessed float64
	// LogsGBIngested is the data ingested into CloudWatch Logs per month (application, VPC
	// flow, database, WAF and Container Insights logs together), in GB (0–1000000).
	LogsGBIngested float64
	// BackupGB is the data each backup vault holds (the primary vault and its DR copy each),
	// in GB-month; the same amount is assumed copied across regions each month (0–1000000).
	BackupGB float64
	// S3GB is the data stored in all of the environment's S3 buckets together, in GB-month
	// (0–1000000).
	S3GB float64
}

// APIDomain is the fully qualified API host name, e.g. "api.garcon.app".
func (e Environment) APIDomain() string { return e.DNS.APIHost + "." + e.DNS.ZoneName }

// StaticDomain is the fully qualified static-assets host name, e.g. "static.garcon.app".
func (e Environment) StaticDomain() string { return e.DNS.StaticHost + "." + e.DNS.ZoneName }

// DelegatesDNS reports whether the environment has zones of its own, delegated from the
// parent zone of another account.
func (e Environment) DelegatesDNS() bool { return e.DNS.Delegation != nil }

// IsProtected reports whether the environment is of the Protected tier: retained
// resources, deletion and termination protection, availability rules.
func (e Environment) IsProtected() bool { return e.Protection == Protected }
