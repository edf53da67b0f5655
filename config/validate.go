package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	accountPattern      = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	envNamePattern      = regexp.MustCompile(`^[a-z][a-z0-9-]{1,20}$`)
	stageNamePattern    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{1,20}$`)
	hostedZonePattern   = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)
	dnsLabelPattern     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	rdsClassPattern     = regexp.MustCompile(`^([a-z][a-z0-9]*)\.([a-z0-9]+)$`)
	cacheNodePattern    = regexp.MustCompile(`^cache\.[a-z][a-z0-9]*\.[a-z0-9]+$`)
	vaultNamePattern    = regexp.MustCompile(`^[a-zA-Z0-9_.-]{2,50}$`)
	repositoryPattern   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchPattern       = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	roleNamePattern     = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	retentionDayChoices = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	// rdsFamilies are the instance families that run PostgreSQL with Performance Insights.
	rdsFamilies = []string{"t3", "t4g", "m5", "m6g", "m6i", "m7g", "m7i", "r5", "r6g", "r6i", "r7g", "r7i"}
	// fargateMemory lists the valid memory sizes (MiB) per task CPU value.
	fargateMemory = map[int][]int{
		256:  {512, 1024, 2048},
		512:  {1024, 2048, 3072, 4096},
		1024: {2048, 3072, 4096, 5120, 6144, 7168, 8192},
		2048: rangeStep(4096, 16384, 1024),
		4096: rangeStep(8192, 30720, 1024),
	}
)

// problems collects validation failures of one environment, each prefixed with the
// environment's name so a reader knows where to look.
type problems struct {
	env  string
	errs []error
}

func (p *problems) addf(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", p.env, field, fmt.Sprintf(format, args...)))
}

// Validate checks every field of the environment and returns all problems joined
// (nil when the environment is valid). Each message names the environment, the field
// and the allowed values.
func (e Environment) Validate() error {
	p := &problems{env: e.Name}
	if p.env == "" {
		p.env = "<unnamed environment>"
	}
	e.validateIdentity(p)
	e.validateNetwork(p)
	e.validateDNS(p)
	e.validateDatabase(p)
	e.validateCache(p)
	e.validateBackup(p)
	e.validateRestoreTesting(p)
	e.validateFaults(p)
	e.validateService(p)
	e.validateObservability(p)
	e.validateEdge(p)
	e.validateOperations(p)
	e.validateUsage(p)
	e.validateSpend(p)
	return errors.Join(p.errs...)
}

func (e Environment) validateIdentity(p *problems) {
	if !envNamePattern.MatchString(e.Name) {
		p.addf("Name", "%q is invalid; allowed: 2-21 lower-case letters, digits or '-', starting with a letter", e.Name)
	}
	if !stageNamePattern.MatchString(e.StageName) {
		p.addf("StageName", "%q is invalid; allowed: 2-21 letters or digits starting with an upper-case letter, e.g. \"Staging\"", e.StageName)
	}
	if e.Protection != Protected && e.Protection != Disposable {
		p.addf("Protection", "%q is not a protection tier; allowed: config.Protected (\"protected\") or config.Disposable (\"disposable\")", e.Protection)
	}
	if !accountPattern.MatchString(e.Account) {
		p.addf("Account", "%q is not an AWS account id; allowed: exactly 12 digits (override with -c %s.account=123456789012)", e.Account, e.Name)
	}
	if !regionPattern.MatchString(e.Region) {
		p.addf("Region", "%q is not an AWS region name; allowed: a region such as eu-west-3", e.Region)
	}
	if !regionPattern.MatchString(e.DRRegion) {
		p.addf("DRRegion", "%q is not an AWS region name; allowed: a region such as eu-west-1", e.DRRegion)
	} else if e.DRRegion == e.Region {
		p.addf("DRRegion", "%q equals Region; allowed: any other region, so backups survive the loss of the primary region", e.DRRegion)
	}
}

func (e Environment) validateNetwork(p *problems) {
	azs := e.AvailabilityZones
	if len(azs) < 2 || len(azs) > 6 {
		p.addf("AvailabilityZones", "%d zones given; allowed: 2 to 6 zones of %s", len(azs), e.Region)
	}
	seen := map[string]bool{}
	regionValid := regionPattern.MatchString(e.Region) // else Region's own error says it all
	for _, az := range azs {
		if regionValid && !isZoneOf(az, e.Region) {
			p.addf("AvailabilityZones", "%q is not a zone of %s; allowed: the region name followed by one letter, e.g. %sa", az, e.Region, e.Region)
		}
		if seen[az] {
			p.addf("AvailabilityZones", "%q is listed twice; allowed: distinct zones", az)
		}
		seen[az] = true
	}
	if e.IsProtected() && len(azs) < 3 {
		p.addf("AvailabilityZones", "%d zones given; a protected environment needs at least 3 so losing one zone leaves a majority", len(azs))
	}

	prefix, err := netip.ParsePrefix(e.Network.VpcCidr)
	switch {
	case err != nil:
		p.addf("Network.VpcCidr", "%q is not a CIDR block; allowed: a private IPv4 block from /16 to /18, e.g. 10.10.0.0/16", e.Network.VpcCidr)
	case !prefix.Addr().Is4() || !prefix.Addr().IsPrivate() || prefix.Bits() < 16 || prefix.Bits() > 18 || prefix.Masked() != prefix:
		p.addf("Network.VpcCidr", "%q is not allowed; allowed: a private (RFC 1918) IPv4 network address from /16 to /18, e.g. 10.10.0.0/16", e.Network.VpcCidr)
	}

	if n := e.Network.NatGateways; n < 1 || n > len(azs) {
		p.addf("Network.NatGateways", "%d is out of range; allowed: 1 to %d (one per availability zone)", n, len(azs))
	} else if e.IsProtected() && n != len(azs) {
		p.addf("Network.NatGateways", "%d is too few for a protected environment; allowed: %d (one per availability zone, so egress survives a zone failure)", n, len(azs))
	}
}

func (e Environment) validateDNS(p *problems) {
	d := e.DNS
	if !hostedZonePattern.MatchString(d.HostedZoneID) {
		p.addf("DNS.HostedZoneID", "%q is not a Route 53 hosted zone id; allowed: 'Z' followed by up to 32 upper-case letters or digits", d.HostedZoneID)
	}
	labels := strings.Split(d.ZoneName, ".")
	valid := len(labels) >= 2
	for _, l := range labels {
		valid = valid && dnsLabelPattern.MatchString(l)
	}
	if !valid {
		p.addf("DNS.ZoneName", "%q is not a domain name; allowed: lower-case DNS labels separated by dots, without a trailing dot, e.g. garcon.app", d.ZoneName)
	}
	if !dnsLabelPattern.MatchString(d.APIHost) {
		p.addf("DNS.APIHost", "%q is not a DNS label; allowed: 1-63 lower-case letters, digits or '-', e.g. api", d.APIHost)
	}
	if !dnsLabelPattern.MatchString(d.StaticHost) {
		p.addf("DNS.StaticHost", "%q is not a DNS label; allowed: 1-63 lower-case letters, digits or '-', e.g. static", d.StaticHost)
	} else if d.StaticHost == d.APIHost {
		p.addf("DNS.StaticHost", "%q equals DNS.APIHost; allowed: a different label", d.StaticHost)
	}
	e.validateDNSOwnership(p)
}

// validateDNSOwnership enforces that a hosted zone has one owner: only an environment in
// the parent zone's account writes into it, every other one needs delegated zones.
func (e Environment) validateDNSOwnership(p *problems) {
	d := e.DNS
	if !accountPattern.MatchString(e.Account) {
		return // Account's own error says it all
	}
	if !accountPattern.MatchString(d.ZoneAccount) {
		p.addf("DNS.ZoneAccount", "%q is not an AWS account id; allowed: exactly 12 digits, the account that owns %s (override with -c dns.account=123456789012)", d.ZoneAccount, d.ZoneName)
		return
	}
	inZoneAccount := d.ZoneAccount == e.Account
	switch {
	case !inZoneAccount && d.Delegation == nil:
		p.addf("DNS.Delegation", "is missing, but the environment's account %s does not own the zone %s (account %s) and cannot write into it; allowed: &config.DNSDelegation{RoleName: \"garcon-dns-delegation-%s\"} (zones of its own, delegated from the parent; README \"DNS ownership\"), or the zone's account", e.Account, d.ZoneName, d.ZoneAccount, e.Name)
	case inZoneAccount && d.Delegation != nil:
		p.addf("DNS.Delegation", "is set, but the environment is in the zone's own account %s; allowed: nil (its records go into %s directly)", d.ZoneAccount, d.ZoneName)
	case d.Delegation != nil && !roleNamePattern.MatchString(d.Delegation.RoleName):
		p.addf("DNS.Delegation.RoleName", "%q is not an IAM role name; allowed: 1-64 letters, digits or +=,.@_-, e.g. garcon-dns-delegation-%s", d.Delegation.RoleName, e.Name)
	}
}

func (e Environment) validateDatabase(p *problems) {
	db := e.Database
	if m := rdsClassPattern.FindStringSubmatch(db.InstanceClass); m == nil || !slices.Contains(rdsFamilies, m[1]) {
		p.addf("Database.InstanceClass", "%q is not allowed; allowed: <family>.<size> without the \"db.\" prefix, family one of %s", db.InstanceClass, strings.Join(rdsFamilies, ", "))
	} else if m[2] == "micro" || m[2] == "small" {
		p.addf("Database.InstanceClass", "%q is too small; allowed: size medium or larger (Performance Insights does not support micro and small)", db.InstanceClass)
	}
	if db.AllocatedStorageGiB < 20 || db.AllocatedStorageGiB > 65536 {
		p.addf("Database.AllocatedStorageGiB", "%d is out of range; allowed: 20 to 65536", db.AllocatedStorageGiB)
	}
	if db.MaxAllocatedStorageGiB <= db.AllocatedStorageGiB || db.MaxAllocatedStorageGiB > 65536 {
		p.addf("Database.MaxAllocatedStorageGiB", "%d is out of range; allowed: more than AllocatedStorageGiB (%d) and at most 65536", db.MaxAllocatedStorageGiB, db.AllocatedStorageGiB)
	}
	if e.IsProtected() && !db.MultiAZ {
		p.addf("Database.MultiAZ", "false is not allowed in a protected environment; allowed: true")
	}
	if db.ReadReplicas < 0 || db.ReadReplicas > 15 {
		p.addf("Database.ReadReplicas", "%d is out of range; allowed: 0 to 15 (the RDS limit per PostgreSQL source)", db.ReadReplicas)
	} else if e.IsProtected() && db.ReadReplicas < 1 {
		p.addf("Database.ReadReplicas", "%d is too few for a protected environment; allowed: 1 to 15", db.ReadReplicas)
	}
	if db.BackupRetentionDays < 1 || db.BackupRetentionDays > 35 {
		p.addf("Database.BackupRetentionDays", "%d is out of range; allowed: 1 to 35", db.BackupRetentionDays)
	} else if e.IsProtected() && db.BackupRetentionDays < 30 {
		p.addf("Database.BackupRetentionDays", "%d is too short for a protected environment; allowed: 30 to 35", db.BackupRetentionDays)
	}
}

func (e Environment) validateCache(p *problems) {
	c := e.Cache
	if !cacheNodePattern.MatchString(c.NodeType) {
		p.addf("Cache.NodeType", "%q is not an ElastiCache node type; allowed: cache.<family>.<size>, e.g. cache.t4g.small", c.NodeType)
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		p.addf("Cache.Replicas", "%d is out of range; allowed: 0 to 5", c.Replicas)
	} else if e.IsProtected() && c.Replicas < 1 {
		p.addf("Cache.Replicas", "%d is too few for a protected environment; allowed: 1 to 5 (automatic failover needs a replica)", c.Replicas)
	}
	if c.SnapshotRetentionDays < 0 || c.SnapshotRetentionDays > 35 {
		p.addf("Cache.SnapshotRetentionDays", "%d is out of range; allowed: 0 to 35", c.SnapshotRetentionDays)
	} else if e.IsProtected() && c.SnapshotRetentionDays < 1 {
		p.addf("Cache.SnapshotRetentionDays", "0 is not allowed in a protected environment; allowed: 1 to 35")
	}
}

func (e Environment) validateBackup(p *problems) {
	b := e.Backup
	if b.RetentionDays < 1 || b.RetentionDays > 35 {
		p.addf("Backup.RetentionDays", "%d is out of range; allowed: 1 to 35 (the continuous-backup maximum)", b.RetentionDays)
	} else if e.IsProtected() && b.RetentionDays < 30 {
		p.addf("Backup.RetentionDays", "%d is too short for a protected environment; allowed: 30 to 35", b.RetentionDays)
	}
	if !vaultNamePattern.MatchString(b.DRVaultName) {
		p.addf("Backup.DRVaultName", "%q is invalid; allowed: 2-50 letters, digits, '-', '_' or '.'", b.DRVaultName)
	}
}

func (e Environment) validateService(p *problems) {
	s := e.Service
	memories, ok := fargateMemory[s.CPU]
	if !ok {
		p.addf("Service.CPU", "%d is not a Fargate CPU value; allowed: 256, 512, 1024, 2048, 4096", s.CPU)
	} else if !slices.Contains(memories, s.MemoryMiB) {
		p.addf("Service.MemoryMiB", "%d is not valid with CPU %d; allowed: %s", s.MemoryMiB, s.CPU, joinInts(memories))
	}
	if s.MinTasks < 1 {
		p.addf("Service.MinTasks", "%d is out of range; allowed: at least 1", s.MinTasks)
	} else if e.IsProtected() && s.MinTasks < 2 {
		p.addf("Service.MinTasks", "%d is too few for a protected environment; allowed: at least 2 (tasks spread over zones)", s.MinTasks)
	}
	if s.MaxTasks < s.MinTasks || s.MaxTasks > 100 {
		p.addf("Service.MaxTasks", "%d is out of range; allowed: MinTasks (%d) to 100", s.MaxTasks, s.MinTasks)
	}
	if s.Platform != PlatformARM64 && s.Platform != PlatformAMD64 {
		p.addf("Service.Platform", "%q is not supported; allowed: %q, %q", s.Platform, PlatformARM64, PlatformAMD64)
	}
	if s.Deployment != DeploymentRolling && s.Deployment != DeploymentCanary {
		p.addf("Service.Deployment", "%q is not a deployment strategy; allowed: %q, %q", s.Deployment, DeploymentRolling, DeploymentCanary)
	}
	if s.WafRateLimit < 100 || s.WafRateLimit > 2_000_000_000 {
		p.addf("Service.WafRateLimit", "%d is out of range; allowed: 100 to 2000000000 requests per 5 minutes per IP", s.WafRateLimit)
	}
}

// PriceClasses are the CloudFront price classes Edge.PriceClass may name.
var PriceClasses = []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}

func (e Environment) validateEdge(p *problems) {
	if !slices.Contains(PriceClasses, e.Edge.PriceClass) {
		p.addf("Edge.PriceClass", "%q is not a CloudFront price class; allowed: %s", e.Edge.PriceClass, strings.Join(PriceClasses, ", "))
	}
	if e.Edge.WafRateLimit < 100 || e.Edge.WafRateLimit > 2_000_000_000 {
		p.addf("Edge.WafRateLimit", "%d is out of range; allowed: 100 to 2000000000 requests per 5 minutes per IP", e.Edge.WafRateLimit)
	}
}

func (e Environment) validateOperations(p *problems) {
	if !slices.Contains(retentionDayChoices, e.Logs.RetentionDays) {
		p.addf("Logs.RetentionDays", "%d is not a CloudWatch retention; allowed: %s", e.Logs.RetentionDays, joinInts(retentionDayChoices))
	}
	if !slices.Contains(retentionDayChoices, e.Logs.FlowLogRetentionDays) {
		p.addf("Logs.FlowLogRetentionDays", "%d is not a CloudWatch retention; allowed: %s", e.Logs.FlowLogRetentionDays, joinInts(retentionDayChoices))
	}
	if len(e.Alarms.Emails) == 0 {
		p.addf("Alarms.Emails", "none given; allowed: one or more e-mail addresses")
	}
	for _, addr := range e.Alarms.Emails {
		if parsed, err := mail.ParseAddress(addr); err != nil || parsed.Address != addr {
			p.addf("Alarms.Emails", "%q is not a plain e-mail address; allowed: name@example.com", addr)
		}
	}
	e.validateThresholds(p)
	if !repositoryPattern.MatchString(e.GitHub.Repository) {
		p.addf("GitHub.Repository", "%q is invalid; allowed: \"owner/name\" without wildcards", e.GitHub.Repository)
	}
	if !branchPattern.MatchString(e.GitHub.Branch) || strings.Contains(e.GitHub.Branch, "..") {
		p.addf("GitHub.Branch", "%q is invalid; allowed: a branch name of letters, digits, '.', '_', '/', '-' without wildcards", e.GitHub.Branch)
	}
	if !branchPattern.MatchString(e.GitHub.DefaultBranch) || strings.Contains(e.GitHub.DefaultBranch, "..") {
		p.addf("GitHub.DefaultBranch", "%q is invalid; allowed: the repository's default branch, e.g. main", e.GitHub.DefaultBranch)
	}
	if strings.TrimSpace(e.Tags.Owner) == "" {
		p.addf("Tags.Owner", "empty; allowed: the owning team's name")
	}
	if strings.TrimSpace(e.Tags.CostCenter) == "" {
		p.addf("Tags.CostCenter", "empty; allowed: the finance cost centre code")
	}
}

func (e Environment) validateThresholds(p *problems) {
	a := e.Alarms
	if a.HTTP5xxPercent < 0.1 || a.HTTP5xxPercent > 50 {
		p.addf("Alarms.HTTP5xxPercent", "%g is out of range; allowed: 0.1 to 50", a.HTTP5xxPercent)
	}
	ranges := []struct {
		field    string
		value    int
		min, max int
	}{
		{"Alarms.P99LatencyMillis", a.P99LatencyMillis, 50, 30000},
		{"Alarms.DatabaseConnections", a.DatabaseConnections, 10, 5000},
		{"Alarms.DatabaseFreeStorageGiB", a.DatabaseFreeStorageGiB, 1, 1000},
		{"Alarms.CacheConnections", a.CacheConnections, 10, 65000},
		{"Alarms.WafBlockedPer5Minutes", a.WafBlockedPer5Minutes, 10, 10_000_000},
	}
	for _, r := range ranges {
		if r.value < r.min || r.value > r.max {
			p.addf(r.field, "%d is out of range; allowed: %d to %d", r.value, r.min, r.max)
		}
	}
	if a.DatabaseFreeStorageGiB >= e.Database.AllocatedStorageGiB && e.Database.AllocatedStorageGiB > 0 {
		p.addf("Alarms.DatabaseFreeStorageGiB", "%d would alarm from the start; allowed: less than Database.AllocatedStorageGiB (%d)", a.DatabaseFreeStorageGiB, e.Database.AllocatedStorageGiB)
	}
}

// maxMillionRequests and maxUsageGB are sanity ceilings for Usage: far above anything this
// application will see, low enough to catch a value entered in the wrong unit.
const (
	maxMillionRequests = 100_000
	maxUsageGB         = 1_000_000
	maxLCU             = 10_000
)

func (e Environment) validateUsage(p *problems) {
	u := e.Usage
	ranges := []struct {
		field string
		value float64
		max   float64
		unit  string
	}{
		{"Usage.APIRequestsMillions", u.APIRequestsMillions, maxMillionRequests, "million requests per month"},
		{"Usage.LoadBalancerLCU", u.LoadBalancerLCU, maxLCU, "LCUs on average"},
		{"Usage.StaticRequestsMillions", u.StaticRequestsMillions, maxMillionRequests, "million requests per month"},
		{"Usage.CloudFrontGBOut", u.CloudFrontGBOut, maxUsageGB, "GB per month"},
		{"Usage.NATGBProcessed", u.NATGBProcessed, maxUsageGB, "GB per month"},
		{"Usage.LogsGBIngested", u.LogsGBIngested, maxUsageGB, "GB per month"},
		{"Usage.BackupGB", u.BackupGB, maxUsageGB, "GB-month"},
		{"Usage.S3GB", u.S3GB, maxUsageGB, "GB-month"},
	}
	for _, r := range ranges {
		// Written so that NaN fails too.
		if !(r.value >= 0 && r.value <= r.max) {
			p.addf(r.field, "%s is out of range; allowed: 0 to %s (%s)", plain(r.value), plain(r.max), r.unit)
		}
	}
}

// isZoneOf reports whether az is a zone name of region: the region plus one letter.
func isZoneOf(az, region string) bool {
	suffix, found := strings.CutPrefix(az, region)
	return found && len(suffix) == 1 && suffix[0] >= 'a' && suffix[0] <= 'z'
}

func joinInts(values []int) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ", ")
}

// plain formats a float without an exponent, so limits read as "1000000", not "1e+06".
func plain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func rangeStep(from, to, step int) []int {
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}
