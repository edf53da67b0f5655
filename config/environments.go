package config

// The account ids below are placeholders for the team's real accounts; deployers
// override them with `-c staging.account=…` and `-c production.account=…` (see README).
const (
	placeholderStagingAccount    = "111111111111"
	placeholderProductionAccount = "222222222222"
	// garconZoneID is the public hosted zone of garcon.app; it belongs to the production
	// account (garconZoneAccount, overridden with `-c dns.account=…`).
	garconZoneID      = "Z04417162GARCONAPP0001"
	garconZoneAccount = placeholderProductionAccount
)

// Staging is sized for cost: two zones, one NAT gateway, small instances, short
// retention, no interface endpoints. It deploys from the develop branch.
func Staging() Environment {
	return Environment{
		Name:              "staging",
		StageName:         "Staging",
		Protection:        Disposable,
		Account:           placeholderStagingAccount,
		Region:            "eu-west-3",
		DRRegion:          "eu-west-1",
		AvailabilityZones: []string{"eu-west-3a", "eu-west-3b"},
		Network: Network{
			VpcCidr:            "10.10.0.0/16",
			NatGateways:        1,
			InterfaceEndpoints: false,
		},
		// Staging's own account cannot write into garcon.app: it gets the zones
		// staging-api.garcon.app and staging-static.garcon.app, delegated from the parent.
		DNS: DNS{
			HostedZoneID: garconZoneID,
			ZoneName:     "garcon.app",
			ZoneAccount:  garconZoneAccount,
			APIHost:      "staging-api",
			StaticHost:   "staging-static",
			Delegation:   &DNSDelegation{RoleName: "garcon-dns-delegation-staging"},
		},
		Database: Database{
			InstanceClass:          "t4g.medium",
			AllocatedStorageGiB:    20,
			MaxAllocatedStorageGiB: 100,
			MultiAZ:                false,
			ReadReplicas:           1,
			BackupRetentionDays:    7,
		},
		Cache: Cache{
			NodeType:              "cache.t4g.micro",
			Replicas:              0,
			SnapshotRetentionDays: 1,
		},
		Backup: Backup{RetentionDays: 7, DRVaultName: "garcon-staging-dr",
			RestoreTestSchedule: "cron(0 5 ? * SAT *)", RestoreTestValidationHours: 1},
		// One task in staging: stopping it rehearses a full API outage and its recovery.
		Faults: Faults{StopTaskPercent: 100, InterruptMinutes: 5},
		Service: Service{
			CPU:          256,
			MemoryMiB:    512,
			MinTasks:     1,
			MaxTasks:     3,
			Platform:     PlatformARM64,
			WafRateLimit: 2000,
			Deployment:   DeploymentRolling,
			// Every request traced: staging's traffic is small, and a trace is what a
			// failed test run needs.
			Tracing: Tracing{Enabled: true, SampleRatio: 1, CollectorCPU: 64, CollectorMemoryMiB: 128},
			// Debugging sessions allowed (through the Staging-EcsExec role only).
			EcsExec: EcsExec{Enabled: true},
		},
		Edge: Edge{PriceClass: "PriceClass_100", WafRateLimit: 5000},
		Logs: Logs{RetentionDays: 14, FlowLogRetentionDays: 14},
		Alarms: Alarms{
			Emails:                 []string{"platform-alerts+staging@garcon.app"},
			HTTP5xxPercent:         5,
			P99LatencyMillis:       2000,
			DatabaseConnections:    150,
			DatabaseFreeStorageGiB: 5,
			CacheConnections:       500,
			WafBlockedPer5Minutes:  1000,
		},
		GitHub: GitHub{Repository: "garcon-app/garcon-infrastructure", Branch: "develop", DefaultBranch: "main"},
		Tags:   Tags{Owner: "platform", CostCenter: "CC-1042-STAGING"},
		// Test traffic from the team and CI: a few requests a second at peak.
		Usage: Usage{
			APIRequestsMillions:    0.5,
			LoadBalancerLCU:        0.2,
			StaticRequestsMillions: 0.5,
			CloudFrontGBOut:        5,
			NATGBProcessed:         20,
			LogsGBIngested:         5,
			BackupGB:               30,
			S3GB:                   5,
		},
		// Budget: the estimate plus a fifth for what it leaves out; anomalies from $20.
		Spend: Spend{EstimateUSD: 260, MarginPercent: 20, AnomalyImpactUSD: 20},
	}
}

// Production is sized for availability: three zones, a NAT gateway per zone,
// Multi-AZ database with a read replica, a Redis replica per extra zone, 30-day backups
// and long log retention. It deploys from main after an approval.
func Production() Environment {
	return Environment{
		Name:              "production",
		StageName:         "Production",
		Protection:        Protected,
		Account:           placeholderProductionAccount,
		Region:            "eu-west-3",
		DRRegion:          "eu-west-1",
		AvailabilityZones: []string{"eu-west-3a", "eu-west-3b", "eu-west-3c"},
		Network: Network{
			VpcCidr:            "10.20.0.0/16",
			NatGateways:        3,
			InterfaceEndpoints: true,
		},
		DNS: DNS{
			HostedZoneID: garconZoneID,
			ZoneName:     "garcon.app",
			ZoneAccount:  garconZoneAccount,
			APIHost:      "api",
			StaticHost:   "static",
		},
		Database: Database{
			InstanceClass:          "m7g.large",
			AllocatedStorageGiB:    100,
			MaxAllocatedStorageGiB: 1000,
			MultiAZ:                true,
			ReadReplicas:           1,
			BackupRetentionDays:    30,
		},
		Cache: Cache{
			NodeType:              "cache.m7g.large",
			Replicas:              2,
			SnapshotRetentionDays: 7,
		},
		Backup: Backup{RetentionDays: 30, DRVaultName: "garcon-production-dr",
			RestoreTestSchedule: "cron(0 5 1 * ? *)", RestoreTestValidationHours: 2},
		Faults: Faults{StopTaskPercent: 33, InterruptMinutes: 10, AZPowerInterruption: true},
		Service: Service{
			CPU:          1024,
			MemoryMiB:    2048,
			MinTasks:     3,
			MaxTasks:     12,
			Platform:     PlatformARM64,
			WafRateLimit: 2000,
			Deployment:   DeploymentCanary,
			// One request in twenty: enough for latency breakdowns at 1 M requests a day.
			Tracing: Tracing{Enabled: true, SampleRatio: 0.05, CollectorCPU: 128, CollectorMemoryMiB: 256},
			// No shell into production tasks unless a change turns it on, reviewed.
			EcsExec: EcsExec{Enabled: false},
		},
		Edge: Edge{PriceClass: "PriceClass_All", WafRateLimit: 5000},
		Logs: Logs{RetentionDays: 90, FlowLogRetentionDays: 365},
		Alarms: Alarms{
			Emails:                 []string{"platform-alerts@garcon.app"},
			HTTP5xxPercent:         2,
			P99LatencyMillis:       1000,
			DatabaseConnections:    600,
			DatabaseFreeStorageGiB: 20,
			CacheConnections:       5000,
			WafBlockedPer5Minutes:  5000,
		},
		GitHub: GitHub{Repository: "garcon-app/garcon-infrastructure", Branch: "main", DefaultBranch: "main"},
		Tags:   Tags{Owner: "platform", CostCenter: "CC-1042-PRODUCTION"},
		// Launch forecast: about 1 M API requests a day, menus and images served by CloudFront.
		Usage: Usage{
			APIRequestsMillions:    30,
			LoadBalancerLCU:        2,
			StaticRequestsMillions: 60,
			CloudFrontGBOut:        300,
			NATGBProcessed:         100,
			LogsGBIngested:         60,
			BackupGB:               300,
			S3GB:                   200,
		},
		Spend: Spend{EstimateUSD: 1560, MarginPercent: 15, AnomalyImpactUSD: 100},
	}
}

// All returns every environment in deployment order.
func All() []Environment { return []Environment{Staging(), Production()} }
