package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

// realDOT is the DOT of the real app named by GARCON_CDK_OUT (CI sets it after make synth).
func realDOT(t *testing.T) string {
	t.Helper()
	dot, err := Generate(cloudassemblytest.Load(t), "Production")
	require.NoError(t, err)
	return dot
}

func TestRealAppClusters(t *testing.T) {
	dot := realDOT(t)
	for _, cluster := range []string{
		`"cluster_Production/Network" {`, `label="Production/Network (eu-west-3)"`,
		`"cluster_Production/Data" {`, `"cluster_Production/Service" {`, `"cluster_Production/CICD" {`,
		`label="Production/Edge (us-east-1)"`, `label="Production/Backup (eu-west-1)"`,
	} {
		assert.Contains(t, dot, cluster)
	}
	assert.NotContains(t, dot, `"cluster_Staging/`, "only production is drawn")
}

func TestRealAppNodes(t *testing.T) {
	dot := realDOT(t)
	for _, label := range []string{
		`label="VPC\n10.20.0.0/16"`,
		`label="NAT gateway ×3"`,
		`label="Interface endpoints ×4\necr.api, ecr.dkr, logs, secretsmanager"`,
		`label="Application Load Balancer\ninternet-facing, dualstack"`,
		`label="ECS service (fargate)\n3 tasks, 1 vCPU / 2 GB, ARM64"`,
		`label="PostgreSQL 17.9 writer\ndb.m7g.large, Multi-AZ"`,
		`label="PostgreSQL read replica\ndb.m7g.large"`,
		`label="Redis 7.1\n3 × cache.m7g.large"`,
		`label="S3 bucket\nStorageUploads"`,
		`label="CloudFront distribution\nstatic.garcon.app"`,
		`label="WAF web ACL\nregional, 5 rules"`,
		`label="WAF web ACL\ncloudfront, 5 rules"`,
		`label="Route 53 alias records ×2\napi.garcon.app"`,
		`label="Backup vault\ngarcon-production-dr"`,
		`label="Backup plan\ngarcon-production"`,
		`label="KMS key\nKey"`,
		`label="SNS topic\nAlarmTopic"`,
		`label="IAM role (GitHub OIDC)\nGitHubDeployRole"`,
		`label="OIDC provider\ntoken.actions.githubusercontent.com"`,
	} {
		assert.Contains(t, dot, label)
	}
}

// edge finds an edge line by the labels of its two ends, whatever their logical ids.
func edge(t *testing.T, dot, fromLabel, toLabel, attrs string) {
	t.Helper()
	ids := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+("[^"]+") \[label="([^"]*)"`).FindAllStringSubmatch(dot, -1) {
		ids[m[2]] = m[1]
	}
	ids["Internet"] = `"Internet"`
	from, okFrom := ids[fromLabel]
	to, okTo := ids[toLabel]
	require.True(t, okFrom && okTo, "no node labelled %q or %q", fromLabel, toLabel)
	want := from + " -> " + to + " [" + attrs
	assert.True(t, strings.Contains(dot, want), "no edge %s\n(%q → %q)", want, fromLabel, toLabel)
}

func TestRealAppEdges(t *testing.T) {
	dot := realDOT(t)
	const sg = `color="#333333", label=`
	alb, svc := `Application Load Balancer\ninternet-facing, dualstack`, `ECS service (fargate)\n3 tasks, 1 vCPU / 2 GB, ARM64`
	writer, replica := `PostgreSQL 17.9 writer\ndb.m7g.large, Multi-AZ`, `PostgreSQL read replica\ndb.m7g.large`
	edge(t, dot, "Internet", alb, sg+`"tcp 80, 443"`)
	edge(t, dot, alb, svc, sg+`"tcp 8080"`)
	edge(t, dot, svc, writer, sg+`"tcp 5433"`)
	edge(t, dot, svc, replica, sg+`"tcp 5433"`)
	edge(t, dot, svc, `Redis 7.1\n3 × cache.m7g.large`, sg+`"tcp 6380"`)
	edge(t, dot, `Secret rotation function\nDatabaseInstanceRotationSingleUser`, writer, sg+`"tcp 5433"`)
	edge(t, dot, `VPC\n10.20.0.0/16`, `Interface endpoints ×4\necr.api, ecr.dkr, logs, secretsmanager`, sg+`"tcp 443"`)
	edge(t, dot, `Backup plan\ngarcon-production`, `Backup vault\ngarcon-production-dr`, `color="#1f5fbf", penwidth=2, label="daily copy to eu-west-1"`)
	edge(t, dot, `Backup plan\ngarcon-production`, writer, `color="#b36b00", style=dashed, label="backs up"`)
	edge(t, dot, `WAF web ACL\nregional, 5 rules`, alb, `color="#b85450", style=dotted, label="protects"`)
	edge(t, dot, replica, writer, `color="#999999", style=dashed`)
	edge(t, dot, `CloudFront distribution\nstatic.garcon.app`, `S3 bucket\nStaticAssets`, `color="#999999", style=dashed`)
	edge(t, dot, `IAM role (GitHub OIDC)\nGitHubDeployRole`, `OIDC provider\ntoken.actions.githubusercontent.com`, `color="#999999", style=dashed`)
	// the service's task definition wires the uploads bucket
	edge(t, dot, svc, `S3 bucket\nStorageUploads`, `color="#999999", style=dashed`)
}

func TestRealAppDOTIsDeterministicAndHashFree(t *testing.T) {
	first := realDOT(t)
	for range 3 {
		require.Equal(t, first, realDOT(t))
	}
	assert.NotRegexp(t, `[0-9a-f]{64}`, first, "an asset hash must not reach the diagram")
	assert.Contains(t, first, "Staging (not drawn) has the same stacks and Dns; it differs in:")
}

func TestCheckDetectsStaleDOT(t *testing.T) {
	fixture := filepath.Join("..", "costestimate", "testdata", "assembly")
	dotPath := filepath.Join(t.TempDir(), "a.dot")
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"-env", "Test", "-dot", dotPath, fixture}, &stdout, &stderr), stderr.String())
	require.Equal(t, exitOK, run([]string{"-env", "Test", "-dot", dotPath, "-check", fixture}, &stdout, &stderr), stderr.String())

	raw, err := os.ReadFile(dotPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dotPath, []byte(strings.Replace(string(raw), "NAT gateway ×2", "NAT gateway ×1", 1)), 0o600))
	stderr.Reset()
	assert.Equal(t, exitError, run([]string{"-env", "Test", "-dot", dotPath, "-check", fixture}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "is stale")
	assert.Contains(t, stderr.String(), `generated "    \"Test/Net/nat-gateways\" [label=\"NAT gateway ×2\"`)
}

func TestExitCodes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"a", "b"}, &stdout, &stderr))
	assert.Equal(t, exitError, run([]string{t.TempDir()}, &stdout, &stderr))
	fixture := filepath.Join("..", "costestimate", "testdata", "assembly")
	stderr.Reset()
	assert.Equal(t, exitError, run([]string{"-env", "Nope", "-check", fixture}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `no environment "Nope" (it has Test)`)
}

func TestJoinLabelsMergesPorts(t *testing.T) {
	assert.Equal(t, "tcp 80, 443", joinLabels("tcp 443", "tcp 80"))
	assert.Equal(t, "tcp 80, 443", joinLabels("tcp 80, 443", "tcp 443"))
	assert.Equal(t, "tcp 5433", joinLabels("", "tcp 5433"))
}

func TestQuoteEscapes(t *testing.T) {
	assert.Equal(t, `"a\"b\\c\nd"`, quote("a\"b\\c\nd"))
}
