package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExceptionsFileReportsEveryMalformedLine(t *testing.T) {
	_, err := parseExceptions(strings.NewReader(strings.Join([]string{
		"# a comment",
		"",
		"CT.S3.PR.9 *-Data/StorageLogs* Log objects must expire after their retention.",
		"CT.S3.PR.9 *-Data/StorageLogs*",
		"S3.PR.9 *-Data/Uploads* Not a control id at all here.",
		"CT.S3.PR.4 Uploads Missing the stack part of the pattern.",
		"CT.S3.PR.4 *-Data/[ Broken glob in this line here.",
		"CT.S3.PR.4 *-Data/X too short",
	}, "\n")), "exceptions.txt")
	require.Error(t, err)
	for _, want := range []string{
		`exceptions.txt:4: want "<rule id> <stack>/<logical id pattern> <reason>"`,
		`exceptions.txt:5: rule "S3.PR.9" is not a Control Tower control id`,
		`exceptions.txt:6: resource "Uploads" is not a <stack>/<logical id> pattern`,
		`exceptions.txt:7: resource "*-Data/[" is not a <stack>/<logical id> pattern`,
		`exceptions.txt:8: the reason "too short" is too short to say why`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Contains(t, err.Error(), "5 malformed exception(s)")
}

func TestExceptionsAcceptTheirFindingsAndStaleOnesAreReported(t *testing.T) {
	exceptions, err := parseExceptions(strings.NewReader(
		"CT.S3.PR.9 *-Data/StorageLogs* Log objects must expire after their retention.\n"+
			"CT.S3.PR.9 *-Edge/Gone* This resource no longer exists anywhere.\n"), "x")
	require.NoError(t, err)
	findings := []Finding{
		{Rule: "CT.S3.PR.9", Resource: "Production-Data/StorageLogs2A2D4D26"},
		{Rule: "CT.S3.PR.9", Resource: "Staging-Data/StorageLogs2A2D4D26"},
		{Rule: "CT.S3.PR.10", Resource: "Staging-Data/StorageLogs2A2D4D26"}, // same resource, other rule
		{Rule: "CT.S3.PR.9", Resource: "Staging-Data/StorageUploadsBDC5E374"},
	}
	open, accepted, stale := apply(findings, exceptions)
	assert.Equal(t, findings[2:], open)
	assert.Len(t, accepted, 2)
	require.Len(t, stale, 1)
	assert.Equal(t, 2, stale[0].Line)
}

// The real cfn-guard with the real Control Tower rules: a deliberately bad template fails,
// the command says which controls and resources, and exits 1.
func TestABadTemplateFailsTheControlTowerRules(t *testing.T) {
	exceptions := filepath.Join(t.TempDir(), "none.txt")
	require.NoError(t, os.WriteFile(exceptions, nil, 0o600))
	var stdout, stderr bytes.Buffer
	code := run([]string{"-exceptions", exceptions, filepath.Join("testdata", "bad")}, &stdout, &stderr)
	require.Empty(t, stderr.String())
	assert.Equal(t, 1, code, stdout.String())
	for _, want := range []string{
		"OPEN   CT.S3.PR.2 Test-Bad/PlainBucket:",  // no server access logging
		"OPEN   CT.S3.PR.10 Test-Bad/PlainBucket:", // not SSE-KMS
		"OPEN   CT.KMS.PR.3 Test-Bad/OpenKey:",     // grants not limited to AWS services
	} {
		assert.Contains(t, stdout.String(), want)
	}
}

// The gate: the synthesized app has no finding that the exceptions file does not accept
// with a reason, and no exception that accepts nothing.
func TestTheAppHasNoUnacceptedControlTowerFindings(t *testing.T) {
	dir := os.Getenv("GARCON_CDK_OUT")
	if dir == "" {
		t.Fatal("GARCON_CDK_OUT is not set: run `make test`, which synthesizes cdk.out first, or set it to a synthesized assembly")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-exceptions", filepath.Join("..", "..", "policy", "control-tower-exceptions.txt"), dir}, &stdout, &stderr)
	require.Empty(t, stderr.String())
	assert.Equal(t, 0, code, "%s", stdout.String())
	assert.Contains(t, stdout.String(), "0 open, 0 stale exceptions")
}

// Only rules about types no template has are left out; a rule without a header is kept.
func TestApplicableRulesFollowTheReportsOnHeader(t *testing.T) {
	dir := t.TempDir()
	write := func(name, header string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(header+"\nrule x {}\n"), 0o600))
	}
	write("bucket.guard", "# Reports on:\n#   AWS::S3::Bucket\n# \n# Evaluates:")
	write("two.guard", "# Reports on:\n#   AWS::Redshift::Cluster\n#   AWS::KMS::Key\n#\n")
	write("redshift.guard", "# Reports on:\n#   AWS::Redshift::Cluster\n#\n")
	write("unlabelled.guard", "# no header")
	rules, err := applicableRules(dir, map[string]bool{"AWS::S3::Bucket": true, "AWS::KMS::Key": true})
	require.NoError(t, err)
	var names []string
	for _, r := range rules {
		names = append(names, filepath.Base(r))
	}
	assert.Equal(t, []string{"bucket.guard", "two.guard", "unlabelled.guard"}, names)
}
