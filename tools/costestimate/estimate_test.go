package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// testUsage is the usage the fixture is priced with; testdata/prices.json has round
// made-up prices, so every expected figure below can be checked by hand.
var testUsage = config.Usage{
	APIRequestsMillions: 10, LoadBalancerLCU: 1, StaticRequestsMillions: 20, CloudFrontGBOut: 100,
	NATGBProcessed: 50, LogsGBIngested: 10, BackupGB: 40, S3GB: 50,
}

func testPrices(t *testing.T) *PriceTable {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "prices.json"))
	require.NoError(t, err)
	prices, err := ParsePrices(raw)
	require.NoError(t, err)
	return prices
}

func estimateFixture(t *testing.T, dir string) *Estimate {
	t.Helper()
	asm, err := cloudassembly.Load(dir)
	require.NoError(t, err)
	est, err := Run(asm, testPrices(t), map[string]Assumptions{"Test": {Usage: testUsage, PrimaryRegion: "eu-west-3"}})
	require.NoError(t, err)
	return est
}

func fixtureEnv(t *testing.T) EnvEstimate {
	t.Helper()
	est := estimateFixture(t, filepath.Join("testdata", "assembly"))
	require.Len(t, est.Envs, 1)
	return est.Envs[0]
}

func line(t *testing.T, e EnvEstimate, stack, id string) Line {
	t.Helper()
	for _, l := range e.Lines {
		if l.Stack == stack && l.LogicalID == id {
			return l
		}
	}
	t.Fatalf("no line for %s/%s", stack, id)
	return Line{}
}

// Each priced type, with the arithmetic spelled out (730 h a month).
func TestPricesEachType(t *testing.T) {
	e := fixtureEnv(t)
	cases := []struct {
		stack, id string
		want      float64
		basis     string
	}{
		// 730 × 0.05 + (50 GB ÷ 2 gateways) × 0.05
		{"Test/Net", "Nat1", 37.75, "25 GB processed × $0.05 (Usage.NATGBProcessed 50 GB ÷ 2 gateways)"},
		{"Test/Net", "Eip1", 3.65, "1 public IPv4 address × 730 h × $0.005"},
		// 2 subnets (one of them a reference to another stack's output) × 730 × 0.01
		{"Test/Net", "EndpointLogs", 14.6, "2 AZs (SubnetIds) × 730 h × $0.01"},
		{"Test/Net", "EndpointS3", 0, "gateway endpoint"},
		// 730 × 0.02 + 1 LCU × 730 × 0.01 + 2 public IPv4 × 730 × 0.005
		{"Test/App", "Alb", 29.2, "2 public IPv4 addresses (one per subnet)"},
		// 2 tasks × 730 × (0.5 vCPU × 0.04 + 1 GB × 0.004), the ARM64 rates
		{"Test/App", "Service", 35.04, "2 tasks (DesiredCount; auto scaling may run more) × 730 h × (0.5 vCPU × $0.04 + 1 GB × $0.004), Linux/ARM64"},
		// Multi-AZ: 2 × 730 × 0.2 + 2 × 100 GiB × 0.1
		{"Test/App", "Writer", 312, "Multi-AZ (instance and storage doubled): 2 × db.m7g.large"},
		// a replica: 730 × 0.2 + the source's 100 GiB × 0.1
		{"Test/App", "Replica", 156, "read replica of Writer, Single-AZ: 1 × db.m7g.large × 730 h × $0.2; gp3 1 × 100 GiB (the source's AllocatedStorage)"},
		// NumCacheClusters 3 × 730 × 0.02
		{"Test/App", "Cache", 43.8, "3 × cache.t4g.micro (NumCacheClusters)"},
		// 5 + 3 rules × 1 + 10 M × 0.6
		{"Test/App", "Waf", 14, "10 M requests × $0.6 (Usage.APIRequestsMillions)"},
		{"Test/App", "Secret", 0.4, "1 secret"},
		{"Test/App", "Key", 1, "rotation on"},
		{"Test/App", "AlarmSingle", 0.1, "1 standard alarm metric × $0.1"},
		{"Test/App", "AlarmHighRes", 0.3, "1 high-resolution alarm metric × $0.3"},
		{"Test/App", "AlarmMath", 0.3, "3 standard alarm metrics × $0.1"},
		{"Test/App", "AlarmAnomaly", 0.3, "anomaly detection: 3 × 1 standard alarm metric"},
		{"Test/App", "Dashboard", 3, "1 dashboard"},
		{"Test/App", "Vault", 4, "40 GB-month stored × $0.1"},
		{"Test/App", "Plan", 0.8, "copy to eu-west-1: 40 GB × $0.02"},
		// priced at the DR region's rate
		{"Test/Backup", "DrVault", 3.6, "40 GB-month stored × $0.09"},
		// 100 GB × 0.08 + 20 M requests × 100 × 0.01 per 10,000
		{"Test/Edge", "Distribution", 28, "20 M HTTPS requests × $0.01 per 10,000"},
		// 5 + 2 rules + 20 M × 0.6: a CLOUDFRONT ACL counts the static requests
		{"Test/Edge", "EdgeWaf", 19, "(Usage.StaticRequestsMillions)"},
		// non-AWS endpoint 0.75 + HTTPS and latency measurement × 2
		{"Test/Edge", "Probe", 4.75, "2 optional features (HTTPS, latency measurement) × $2"},
		{"Test (usage)", "CloudWatchLogsIngestion", 5, "10 GB ingested × $0.5"},
		{"Test (usage)", "S3Storage", 1, "50 GB-month S3 Standard × $0.02"},
	}
	for _, c := range cases {
		t.Run(c.stack+"/"+c.id, func(t *testing.T) {
			l := line(t, e, c.stack, c.id)
			assert.InDelta(t, c.want, l.Monthly, 0.001)
			assert.Contains(t, l.Basis, c.basis)
		})
	}
	assert.InDelta(t, 758.99, e.Total(), 0.001)
}

func TestMultiAZDoublesInstanceAndStorage(t *testing.T) {
	e := fixtureEnv(t)
	writer, replica := line(t, e, "Test/App", "Writer"), line(t, e, "Test/App", "Replica")
	// Same class and storage; the Multi-AZ writer costs exactly twice the single-AZ replica.
	assert.InDelta(t, 2*replica.Monthly, writer.Monthly, 0.001)
	assert.Contains(t, writer.Basis, "gp3 2 × 100 GiB")
}

func TestUnknownAndUnpriceableResourcesAreListedNotZero(t *testing.T) {
	e := fixtureEnv(t)
	require.Len(t, e.NotPriced, 2, "%+v", e.NotPriced)
	assert.Equal(t, TypeCount{Type: "AWS::Foo::Bar", Count: 2, Reason: "no price model for this type",
		Resources: []string{"Test/Net/Mystery1", "Test/Net/Mystery2"}}, e.NotPriced[0])
	assert.Equal(t, "AWS::RDS::DBInstance", e.NotPriced[1].Type)
	assert.Contains(t, e.NotPriced[1].Reason, `no eu-west-3 price for "rds.postgres.db.x9.huge"`)
	for _, l := range e.Lines {
		assert.NotContains(t, []string{"Mystery1", "Mystery2", "Unpriceable"}, l.LogicalID, "an unpriced resource must not have a line")
	}
}

func TestFreeAndElsewhereTypesAreExplained(t *testing.T) {
	e := fixtureEnv(t)
	free := map[string]int{}
	for _, tc := range e.Free {
		assert.NotEmpty(t, tc.Reason)
		free[tc.Type] = tc.Count
	}
	assert.Equal(t, map[string]int{"AWS::EC2::VPC": 1, "AWS::EC2::Subnet": 2, "AWS::IAM::Role": 1, "Custom::LogRetention": 1}, free)
	elsewhere := map[string]string{}
	for _, tc := range e.Elsewhere {
		elsewhere[tc.Type] = tc.Reason
	}
	assert.Equal(t, map[string]string{
		"AWS::S3::Bucket":          "in the Usage.S3GB storage line",
		"AWS::Logs::LogGroup":      "in the Usage.LogsGBIngested ingestion line",
		"AWS::ECS::TaskDefinition": "in the line of the ECS service that runs it",
	}, elsewhere)
}

func TestEnvironmentWithoutAssumptionsFails(t *testing.T) {
	asm, err := cloudassembly.Load(filepath.Join("testdata", "assembly"))
	require.NoError(t, err)
	_, err = Run(asm, testPrices(t), map[string]Assumptions{"Staging": {}})
	require.ErrorContains(t, err, `environment "Test" of the assembly has no usage assumptions`)
}

func TestDerivedPricesAreReported(t *testing.T) {
	est := estimateFixture(t, filepath.Join("testdata", "assembly"))
	require.Len(t, est.Derived, 1)
	assert.Equal(t, "global", est.Derived[0].Region)
	assert.Equal(t, "cloudwatch.dashboard_month", est.Derived[0].Key)
}

func TestEmbeddedPriceTableIsValidAndDated(t *testing.T) {
	prices, err := LoadPrices()
	require.NoError(t, err)
	assert.Equal(t, "USD", prices.Currency)
	assert.InDelta(t, 730, prices.HoursPerMonth, 0)
	for _, region := range []string{"eu-west-3", "eu-west-1", "us-east-1"} {
		assert.NotEmpty(t, prices.Regions[region], region)
	}
	for id, s := range prices.Sources {
		assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, s.Retrieved, id)
	}
}

func TestParsePricesRejectsUndocumentedDerivation(t *testing.T) {
	_, err := ParsePrices([]byte(`{"currency":"USD","hoursPerMonth":730,"sources":{"s":{"retrieved":"2026-01-01","description":"d"}},
		"global":{"x":{"usd":1,"unit":"u","source":"s","derived":true}}}`))
	require.ErrorContains(t, err, "derived but its note does not say how")
	_, err = ParsePrices([]byte(`{"currency":"USD","hoursPerMonth":730,"global":{"x":{"usd":1,"unit":"u","source":"nope"}}}`))
	require.ErrorContains(t, err, `unknown source "nope"`)
}
