package config_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

func TestShippedEnvironmentsAreValid(t *testing.T) {
	require.NoError(t, config.ValidateAll(config.All()))
}

func TestEnvironmentsAreSizedForTheirPurpose(t *testing.T) {
	staging, prod := config.Staging(), config.Production()
	assert.Len(t, staging.AvailabilityZones, 2)
	assert.Len(t, prod.AvailabilityZones, 3)
	assert.Equal(t, 1, staging.Network.NatGateways)
	assert.Equal(t, 3, prod.Network.NatGateways)
	assert.Equal(t, "staging-api.garcon.app", staging.APIDomain())
	assert.Equal(t, "api.garcon.app", prod.APIDomain())
	assert.Equal(t, "develop", staging.GitHub.Branch)
	assert.Equal(t, "main", prod.GitHub.Branch)
	assert.Equal(t, 30, prod.Database.BackupRetentionDays)
	assert.True(t, prod.IsProtected())
	assert.False(t, staging.IsProtected())
}

// Each case breaks one field and expects one error naming the environment, the field
// and the allowed values.
func TestValidateReportsEachBadValue(t *testing.T) {
	cases := []struct {
		name   string
		base   func() config.Environment
		mutate func(e *config.Environment)
		want   []string
	}{
		{"name", config.Staging, func(e *config.Environment) { e.Name = "Staging!" }, []string{"Staging!: Name:", "lower-case"}},
		{"protection", config.Staging, func(e *config.Environment) { e.Protection = "prod" }, []string{"staging: Protection:", `"prod" is not a protection tier`, "config.Protected", "config.Disposable"}},
		{"protected staging-sized", config.Staging, func(e *config.Environment) {
			e.Protection = config.Protected
			e.Database.MultiAZ = true
			e.Database.BackupRetentionDays = 30
			e.Backup.RetentionDays = 30
			e.Cache.Replicas = 1
			e.Service.MinTasks = 2
			e.Faults.StopTaskPercent = 50
			e.AvailabilityZones = []string{"eu-west-3a", "eu-west-3b", "eu-west-3c"}
			e.Network.NatGateways = 2
		}, []string{"staging: Network.NatGateways:", "protected environment"}},
		{"stage name", config.Staging, func(e *config.Environment) { e.StageName = "staging" }, []string{"staging: StageName:", "upper-case"}},
		{"account letters", config.Staging, func(e *config.Environment) { e.Account = "12345678901a" }, []string{"staging: Account:", "exactly 12 digits", "-c staging.account="}},
		{"account short", config.Production, func(e *config.Environment) { e.Account = "1234" }, []string{"production: Account:", "exactly 12 digits"}},
		{"region", config.Staging, func(e *config.Environment) { e.Region = "Paris" }, []string{"staging: Region:", "eu-west-3"}},
		{"dr region invalid", config.Staging, func(e *config.Environment) { e.DRRegion = "mars-1" }, []string{"staging: DRRegion:", "region"}},
		{"dr region same", config.Production, func(e *config.Environment) { e.DRRegion = e.Region }, []string{"production: DRRegion:", "any other region"}},
		{"one zone", config.Staging, func(e *config.Environment) { e.AvailabilityZones = e.AvailabilityZones[:1]; e.Network.NatGateways = 1 }, []string{"staging: AvailabilityZones:", "2 to 6"}},
		{"zone of other region", config.Staging, func(e *config.Environment) { e.AvailabilityZones[1] = "us-east-1a" }, []string{"staging: AvailabilityZones:", `"us-east-1a" is not a zone of eu-west-3`}},
		{"duplicate zone", config.Staging, func(e *config.Environment) { e.AvailabilityZones[1] = e.AvailabilityZones[0] }, []string{"staging: AvailabilityZones:", "listed twice"}},
		{"production two zones", config.Production, func(e *config.Environment) { e.AvailabilityZones = e.AvailabilityZones[:2]; e.Network.NatGateways = 2 }, []string{"production: AvailabilityZones:", "at least 3"}},
		{"cidr garbage", config.Staging, func(e *config.Environment) { e.Network.VpcCidr = "10.0.0.0" }, []string{"staging: Network.VpcCidr:", "/16 to /18"}},
		{"cidr public", config.Staging, func(e *config.Environment) { e.Network.VpcCidr = "8.8.0.0/16" }, []string{"staging: Network.VpcCidr:", "RFC 1918"}},
		{"cidr too small", config.Staging, func(e *config.Environment) { e.Network.VpcCidr = "10.0.0.0/24" }, []string{"staging: Network.VpcCidr:", "/16 to /18"}},
		{"cidr host bits", config.Staging, func(e *config.Environment) { e.Network.VpcCidr = "10.0.0.1/16" }, []string{"staging: Network.VpcCidr:", "network address"}},
		{"nat zero", config.Staging, func(e *config.Environment) { e.Network.NatGateways = 0 }, []string{"staging: Network.NatGateways:", "1 to 2"}},
		{"nat more than zones", config.Staging, func(e *config.Environment) { e.Network.NatGateways = 3 }, []string{"staging: Network.NatGateways:", "1 to 2"}},
		{"production shared nat", config.Production, func(e *config.Environment) { e.Network.NatGateways = 1 }, []string{"production: Network.NatGateways:", "one per availability zone"}},
		{"zone id", config.Staging, func(e *config.Environment) { e.DNS.HostedZoneID = "zone-1" }, []string{"staging: DNS.HostedZoneID:", "'Z' followed by"}},
		{"zone name", config.Staging, func(e *config.Environment) { e.DNS.ZoneName = "garcon.app." }, []string{"staging: DNS.ZoneName:", "without a trailing dot"}},
		{"api host", config.Staging, func(e *config.Environment) { e.DNS.APIHost = "Api_Host" }, []string{"staging: DNS.APIHost:", "DNS label"}},
		{"zone account", config.Staging, func(e *config.Environment) { e.DNS.ZoneAccount = "prod" }, []string{"staging: DNS.ZoneAccount:", "exactly 12 digits", "-c dns.account="}},
		{"outside the zone's account without delegation", config.Staging, func(e *config.Environment) { e.DNS.Delegation = nil }, []string{"staging: DNS.Delegation: is missing", "account 111111111111 does not own the zone garcon.app (account 222222222222)", `RoleName: "garcon-dns-delegation-staging"`}},
		{"delegation in the zone's account", config.Production, func(e *config.Environment) { e.DNS.Delegation = &config.DNSDelegation{RoleName: "x"} }, []string{"production: DNS.Delegation: is set", "zone's own account", "allowed: nil"}},
		{"delegation role name", config.Staging, func(e *config.Environment) { e.DNS.Delegation.RoleName = "role/with/slashes" }, []string{"staging: DNS.Delegation.RoleName:", "not an IAM role name"}},
		{"static equals api", config.Staging, func(e *config.Environment) { e.DNS.StaticHost = e.DNS.APIHost }, []string{"staging: DNS.StaticHost:", "different label"}},
		{"db class family", config.Staging, func(e *config.Environment) { e.Database.InstanceClass = "db.t4g.medium" }, []string{"staging: Database.InstanceClass:", "without the \"db.\" prefix", "t4g"}},
		{"db class micro", config.Staging, func(e *config.Environment) { e.Database.InstanceClass = "t4g.micro" }, []string{"staging: Database.InstanceClass:", "medium or larger"}},
		{"db storage", config.Staging, func(e *config.Environment) { e.Database.AllocatedStorageGiB = 10 }, []string{"staging: Database.AllocatedStorageGiB:", "20 to 65536"}},
		{"db max storage", config.Staging, func(e *config.Environment) { e.Database.MaxAllocatedStorageGiB = e.Database.AllocatedStorageGiB }, []string{"staging: Database.MaxAllocatedStorageGiB:", "more than AllocatedStorageGiB"}},
		{"production single az", config.Production, func(e *config.Environment) { e.Database.MultiAZ = false }, []string{"production: Database.MultiAZ:", "allowed: true"}},
		{"too many replicas", config.Staging, func(e *config.Environment) { e.Database.ReadReplicas = 16 }, []string{"staging: Database.ReadReplicas:", "0 to 15"}},
		{"production no replica", config.Production, func(e *config.Environment) { e.Database.ReadReplicas = 0 }, []string{"production: Database.ReadReplicas:", "1 to 15"}},
		{"backup retention zero", config.Staging, func(e *config.Environment) { e.Database.BackupRetentionDays = 0 }, []string{"staging: Database.BackupRetentionDays:", "1 to 35"}},
		{"backup retention 36", config.Staging, func(e *config.Environment) { e.Database.BackupRetentionDays = 36 }, []string{"staging: Database.BackupRetentionDays:", "1 to 35"}},
		{"production short backups", config.Production, func(e *config.Environment) { e.Database.BackupRetentionDays = 7 }, []string{"production: Database.BackupRetentionDays:", "30 to 35"}},
		{"cache node", config.Staging, func(e *config.Environment) { e.Cache.NodeType = "t4g.micro" }, []string{"staging: Cache.NodeType:", "cache.<family>.<size>"}},
		{"cache replicas", config.Staging, func(e *config.Environment) { e.Cache.Replicas = 6 }, []string{"staging: Cache.Replicas:", "0 to 5"}},
		{"production cache without replica", config.Production, func(e *config.Environment) { e.Cache.Replicas = 0 }, []string{"production: Cache.Replicas:", "1 to 5"}},
		{"cache snapshots", config.Staging, func(e *config.Environment) { e.Cache.SnapshotRetentionDays = 36 }, []string{"staging: Cache.SnapshotRetentionDays:", "0 to 35"}},
		{"production cache without snapshots", config.Production, func(e *config.Environment) { e.Cache.SnapshotRetentionDays = 0 }, []string{"production: Cache.SnapshotRetentionDays:", "1 to 35"}},
		{"backup retention", config.Staging, func(e *config.Environment) { e.Backup.RetentionDays = 36 }, []string{"staging: Backup.RetentionDays:", "1 to 35"}},
		{"production short backup plan", config.Production, func(e *config.Environment) { e.Backup.RetentionDays = 14 }, []string{"production: Backup.RetentionDays:", "30 to 35"}},
		{"vault name", config.Staging, func(e *config.Environment) { e.Backup.DRVaultName = "dr vault!" }, []string{"staging: Backup.DRVaultName:", "2-50 letters"}},
		{"restore schedule rate", config.Staging, func(e *config.Environment) { e.Backup.RestoreTestSchedule = "rate(7 days)" }, []string{"staging: Backup.RestoreTestSchedule:", "not of the form cron(...)"}},
		{"restore schedule five fields", config.Production, func(e *config.Environment) { e.Backup.RestoreTestSchedule = "cron(0 5 1 * ?)" }, []string{"production: Backup.RestoreTestSchedule:", "six fields"}},
		{"restore schedule both days", config.Staging, func(e *config.Environment) { e.Backup.RestoreTestSchedule = "cron(0 5 1 * SAT *)" }, []string{"staging: Backup.RestoreTestSchedule:", `exactly one of day-of-month and day-of-week`}},
		{"restore schedule empty", config.Staging, func(e *config.Environment) { e.Backup.RestoreTestSchedule = "" }, []string{"staging: Backup.RestoreTestSchedule:", "cron(0 5 ? * SAT *)"}},
		{"restore validation zero", config.Staging, func(e *config.Environment) { e.Backup.RestoreTestValidationHours = 0 }, []string{"staging: Backup.RestoreTestValidationHours:", "1 to 168"}},
		{"restore validation a week and more", config.Production, func(e *config.Environment) { e.Backup.RestoreTestValidationHours = 169 }, []string{"production: Backup.RestoreTestValidationHours:", "1 to 168"}},
		{"stop no task", config.Staging, func(e *config.Environment) { e.Faults.StopTaskPercent = 0 }, []string{"staging: Faults.StopTaskPercent:", "1 to 100"}},
		{"production stops most tasks", config.Production, func(e *config.Environment) { e.Faults.StopTaskPercent = 51 }, []string{"production: Faults.StopTaskPercent:", "1 to 50"}},
		{"interruption too long", config.Staging, func(e *config.Environment) { e.Faults.InterruptMinutes = 61 }, []string{"staging: Faults.InterruptMinutes:", "1 to 60"}},
		{"az scenario without standby", config.Staging, func(e *config.Environment) { e.Faults.AZPowerInterruption = true }, []string{"staging: Faults.AZPowerInterruption:", "Database.MultiAZ: false", "Cache.Replicas: 0"}},
		{"cpu", config.Staging, func(e *config.Environment) { e.Service.CPU = 300 }, []string{"staging: Service.CPU:", "256, 512, 1024, 2048, 4096"}},
		{"memory", config.Staging, func(e *config.Environment) { e.Service.MemoryMiB = 4096 }, []string{"staging: Service.MemoryMiB:", "with CPU 256", "512, 1024, 2048"}},
		{"min tasks", config.Staging, func(e *config.Environment) { e.Service.MinTasks = 0 }, []string{"staging: Service.MinTasks:", "at least 1"}},
		{"production one task", config.Production, func(e *config.Environment) { e.Service.MinTasks = 1 }, []string{"production: Service.MinTasks:", "at least 2"}},
		{"max below min", config.Staging, func(e *config.Environment) { e.Service.MaxTasks = 0 }, []string{"staging: Service.MaxTasks:", "MinTasks (1) to 100"}},
		{"platform", config.Staging, func(e *config.Environment) { e.Service.Platform = "x86" }, []string{"staging: Service.Platform:", `"arm64", "amd64"`}},
		{"deployment", config.Production, func(e *config.Environment) { e.Service.Deployment = "blue-green" }, []string{"production: Service.Deployment:", `"rolling", "canary"`}},
		{"waf limit", config.Staging, func(e *config.Environment) { e.Service.WafRateLimit = 10 }, []string{"staging: Service.WafRateLimit:", "100 to 2000000000"}},
		{"price class", config.Staging, func(e *config.Environment) { e.Edge.PriceClass = "cheap" }, []string{"staging: Edge.PriceClass:", "PriceClass_100, PriceClass_200, PriceClass_All"}},
		{"edge waf limit", config.Production, func(e *config.Environment) { e.Edge.WafRateLimit = 0 }, []string{"production: Edge.WafRateLimit:", "100 to 2000000000"}},
		{"log retention", config.Staging, func(e *config.Environment) { e.Logs.RetentionDays = 10 }, []string{"staging: Logs.RetentionDays:", "7, 14, 30"}},
		{"flow log retention", config.Staging, func(e *config.Environment) { e.Logs.FlowLogRetentionDays = 0 }, []string{"staging: Logs.FlowLogRetentionDays:", "allowed: 1, 3"}},
		{"no alarm email", config.Staging, func(e *config.Environment) { e.Alarms.Emails = nil }, []string{"staging: Alarms.Emails:", "one or more"}},
		{"bad alarm email", config.Staging, func(e *config.Environment) { e.Alarms.Emails = []string{"Ops <ops@garcon.app>"} }, []string{"staging: Alarms.Emails:", "plain e-mail address"}},
		{"5xx threshold", config.Staging, func(e *config.Environment) { e.Alarms.HTTP5xxPercent = 0 }, []string{"staging: Alarms.HTTP5xxPercent:", "0.1 to 50"}},
		{"latency threshold", config.Staging, func(e *config.Environment) { e.Alarms.P99LatencyMillis = 10 }, []string{"staging: Alarms.P99LatencyMillis:", "50 to 30000"}},
		{"db connections threshold", config.Production, func(e *config.Environment) { e.Alarms.DatabaseConnections = 0 }, []string{"production: Alarms.DatabaseConnections:", "10 to 5000"}},
		{"free storage above allocation", config.Staging, func(e *config.Environment) { e.Alarms.DatabaseFreeStorageGiB = 20 }, []string{"staging: Alarms.DatabaseFreeStorageGiB:", "less than Database.AllocatedStorageGiB (20)"}},
		{"cache connections threshold", config.Staging, func(e *config.Environment) { e.Alarms.CacheConnections = 70000 }, []string{"staging: Alarms.CacheConnections:", "10 to 65000"}},
		{"waf threshold", config.Staging, func(e *config.Environment) { e.Alarms.WafBlockedPer5Minutes = 1 }, []string{"staging: Alarms.WafBlockedPer5Minutes:", "10 to 10000000"}},
		{"wildcard repository", config.Production, func(e *config.Environment) { e.GitHub.Repository = "garcon-app/*" }, []string{"production: GitHub.Repository:", "owner/name"}},
		{"wildcard branch", config.Production, func(e *config.Environment) { e.GitHub.Branch = "release/*" }, []string{"production: GitHub.Branch:", "without wildcards"}},
		{"owner", config.Staging, func(e *config.Environment) { e.Tags.Owner = " " }, []string{"staging: Tags.Owner:", "team"}},
		{"cost centre", config.Staging, func(e *config.Environment) { e.Tags.CostCenter = "" }, []string{"staging: Tags.CostCenter:", "cost centre"}},
		{"negative api requests", config.Staging, func(e *config.Environment) { e.Usage.APIRequestsMillions = -1 }, []string{"staging: Usage.APIRequestsMillions:", "allowed: 0 to 100000 (million requests per month)"}},
		{"api requests not in millions", config.Production, func(e *config.Environment) { e.Usage.APIRequestsMillions = 30_000_000 }, []string{"production: Usage.APIRequestsMillions:", "0 to 100000"}},
		{"lcu", config.Production, func(e *config.Environment) { e.Usage.LoadBalancerLCU = -0.5 }, []string{"production: Usage.LoadBalancerLCU:", "0 to 10000"}},
		{"static requests", config.Staging, func(e *config.Environment) { e.Usage.StaticRequestsMillions = 1e6 }, []string{"staging: Usage.StaticRequestsMillions:", "1000000 is out of range; allowed: 0 to 100000"}},
		{"cloudfront gb", config.Staging, func(e *config.Environment) { e.Usage.CloudFrontGBOut = -5 }, []string{"staging: Usage.CloudFrontGBOut:", "0 to 1000000 (GB per month)"}},
		{"nat gb", config.Production, func(e *config.Environment) { e.Usage.NATGBProcessed = 2e6 }, []string{"production: Usage.NATGBProcessed:", "2000000 is out of range; allowed: 0 to 1000000"}},
		{"logs gb nan", config.Staging, func(e *config.Environment) { e.Usage.LogsGBIngested = math.NaN() }, []string{"staging: Usage.LogsGBIngested:", "NaN is out of range"}},
		{"backup gb", config.Staging, func(e *config.Environment) { e.Usage.BackupGB = -1 }, []string{"staging: Usage.BackupGB:", "(GB-month)"}},
		{"s3 gb", config.Production, func(e *config.Environment) { e.Usage.S3GB = math.Inf(1) }, []string{"production: Usage.S3GB:", "+Inf is out of range"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.base()
			tc.mutate(&env)
			err := env.Validate()
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, 1, "one bad value must give exactly one error, got:\n%s", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// A name decides nothing: an environment called production-us that is disposable is not
// protected, and none of the protected tier's rules apply to it.
func TestProtectionIsTheTierNotTheName(t *testing.T) {
	lookalike := config.Staging()
	lookalike.Name, lookalike.StageName = "production-us", "ProductionUs"
	assert.False(t, lookalike.IsProtected())
	assert.NoError(t, lookalike.Validate(), "staging's single-AZ sizing is fine for a disposable environment, whatever its name")
	lookalike.Protection = config.Protected
	require.Error(t, lookalike.Validate())
	assert.Contains(t, lookalike.Validate().Error(), "production-us: Database.MultiAZ: false is not allowed in a protected environment")
	assert.True(t, config.Production().IsProtected())
}

func TestValidateReportsAllProblemsAtOnce(t *testing.T) {
	env := config.Production()
	env.Account = "abc"
	env.Database.MultiAZ = false
	env.Service.Platform = "sparc"
	err := env.Validate()
	require.Error(t, err)
	msg := err.Error()
	for _, field := range []string{"production: Account:", "production: Database.MultiAZ:", "production: Service.Platform:"} {
		assert.Contains(t, msg, field)
	}
	assert.Len(t, strings.Split(msg, "\n"), 3)
}

func TestValidateAllRejectsDuplicates(t *testing.T) {
	a, b := config.Staging(), config.Staging()
	err := config.ValidateAll([]config.Environment{a, b})
	require.Error(t, err)
	for _, want := range []string{
		`staging: Name: "staging" is staging's too; allowed: an environment name of its own`,
		`staging: StageName: "Staging" is staging's too`,
		`staging: DNS.APIHost/DNS.StaticHost: "staging-api.garcon.app" is staging's too`,
		`staging: DNS.APIHost/DNS.StaticHost: "staging-static.garcon.app" is staging's too`,
		`staging: GitHub.Branch: "develop" is staging's too`,
		`staging: Backup.DRVaultName: "garcon-staging-dr" is staging's too`,
		`staging: Network.VpcCidr: 10.10.0.0/16 overlaps staging's 10.10.0.0/16 in account 111111111111`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	require.ErrorContains(t, config.ValidateAll(nil), "no environments defined")
}

// dev is a third environment in staging's account: distinct everything, another region.
func dev() config.Environment {
	d := config.Staging()
	d.Name, d.StageName, d.GitHub.Branch = "dev", "Dev", "dev"
	d.DNS.APIHost, d.DNS.StaticHost = "dev-api", "dev-static"
	d.DNS.Delegation = &config.DNSDelegation{RoleName: "garcon-dns-delegation-dev"}
	d.Backup.DRVaultName = "garcon-dev-dr"
	d.Network.VpcCidr = "10.30.0.0/16"
	d.Region, d.DRRegion, d.AvailabilityZones = "eu-central-1", "eu-west-3", []string{"eu-central-1a", "eu-central-1b"}
	return d
}

func TestValidateAllAcceptsAThirdEnvironmentInAnAccountAlreadyUsed(t *testing.T) {
	require.NoError(t, config.ValidateAll(append(config.All(), dev())))
}

func TestValidateAllRejectsClashesWithinAnAccount(t *testing.T) {
	d := dev()
	d.Network.VpcCidr = "10.10.128.0/17" // inside staging's 10.10.0.0/16
	d.Region, d.AvailabilityZones = "eu-west-3", []string{"eu-west-3a", "eu-west-3c"}
	d.DNS.StaticHost = "staging-api" // staging's API host
	err := config.ValidateAll(append(config.All(), d))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dev: Network.VpcCidr: 10.10.128.0/17 overlaps staging's 10.10.0.0/16 in account 111111111111")
	assert.Contains(t, err.Error(), "dev: AvailabilityZones: eu-west-3a,eu-west-3c differs from staging's eu-west-3a,eu-west-3b in the same account and region")
	assert.Contains(t, err.Error(), `dev: DNS.APIHost/DNS.StaticHost: "staging-api.garcon.app" is staging's too`)

	other := dev()
	other.Account = "333333333333"
	other.DNS.Delegation = &config.DNSDelegation{RoleName: "garcon-dns-delegation-dev"}
	other.Network.VpcCidr = config.Staging().Network.VpcCidr
	require.NoError(t, config.ValidateAll(append(config.All(), other)), "the same block in another account is fine")
}

func TestValidateAllGivesEachZoneOneOwner(t *testing.T) {
	staging, production := config.Staging(), config.Production()
	staging.DNS.ZoneAccount = "333333333333"
	err := config.ValidateAll([]config.Environment{staging, production})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "production: DNS: zone garcon.app is Z04417162GARCONAPP0001 in account 222222222222 here but Z04417162GARCONAPP0001 in account 333333333333 in staging; allowed: one id and one owner account per zone")

	second := dev()
	second.DNS.Delegation.RoleName = "garcon-dns-delegation-staging"
	err = config.ValidateAll([]config.Environment{config.Staging(), second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dev: DNS.Delegation.RoleName: "garcon-dns-delegation-staging" is staging's; allowed: a role per environment`)
}

func TestApplyAccountOverrides(t *testing.T) {
	ctx := map[string]string{"production.account": "123456789012"}
	lookup := func(key string) (string, bool) { v, ok := ctx[key]; return v, ok }

	envs := config.ApplyAccountOverrides(config.All(), lookup)
	assert.Equal(t, config.Staging().Account, envs[0].Account, "no override for staging")
	assert.Equal(t, "123456789012", envs[1].Account)
	assert.Equal(t, config.Production().Account, config.All()[1].Account, "the shipped config is not modified")

	ctx["dns.account"] = "123456789012"
	envs = config.ApplyAccountOverrides(config.All(), lookup)
	for _, e := range envs {
		assert.Equal(t, "123456789012", e.DNS.ZoneAccount, "%s: -c dns.account moves the zone's owner for every environment", e.Name)
	}
	require.NoError(t, config.ValidateAll(envs), "production in the zone's account, staging delegated")

	ctx["staging.account"] = "12-34"
	err := config.ValidateAll(config.ApplyAccountOverrides(config.All(), lookup))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `staging: Account: "12-34" is not an AWS account id; allowed: exactly 12 digits`)
}
