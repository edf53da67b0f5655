package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

// load reads the fixture assembly testdata/<fixture>.
func load(t *testing.T, fixture string) *cloudassembly.Assembly {
	t.Helper()
	return loadDir(t, filepath.Join("testdata", fixture))
}

// loadDir reads the assembly in dir as the command does, failing the test when it cannot.
func loadDir(t *testing.T, dir string) *cloudassembly.Assembly {
	t.Helper()
	a, err := loadAssembly(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return a
}

// compareFixture runs the whole command on testdata/base and testdata/<head> and
// returns its exit status and output.
func compareFixture(t *testing.T, head string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"-base", filepath.Join("testdata", "base"), "-head", filepath.Join("testdata", head)}, args...)
	code := run(args, &out, &errOut, false)
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return code, out.String()
}

func TestLoadAssemblyWalksNestedStages(t *testing.T) {
	a := load(t, "base")
	got := strings.Join(a.StackNames(), ",")
	if got != "Prod/Data,Prod/Network" {
		t.Fatalf("stacks = %s, want Prod/Data,Prod/Network (from assembly-Prod/manifest.json)", got)
	}
	if n := len(a.Stack("Prod/Data").Resources); n != 4 {
		t.Errorf("Prod/Data has %d resources, want 4", n)
	}
}

func TestLoadAssemblyRejectsANonAssembly(t *testing.T) {
	_, err := loadAssembly(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no manifest.json") || !strings.Contains(err.Error(), "make synth") {
		t.Fatalf("err = %v, want a message naming the missing manifest.json and `make synth`", err)
	}
}

// The guard compares templates only: stacks without a concrete environment (CDK's
// environment-agnostic stacks) are compared like any other.
func TestEnvironmentAgnosticStacksAreCompared(t *testing.T) {
	agnostic := func(fixture string) string {
		dir := cloudassemblytest.Copy(t, filepath.Join("testdata", fixture))
		manifest := filepath.Join(dir, "assembly-Prod", "manifest.json")
		raw, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.ReplaceAll(string(raw), "aws://111111111111/eu-west-3", "aws://unknown-account/unknown-region")
		if edited == string(raw) {
			t.Fatalf("%s names no aws://111111111111/eu-west-3 environment to replace", manifest)
		}
		if err := os.WriteFile(manifest, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	var out, errOut bytes.Buffer
	code := run([]string{"-base", agnostic("base"), "-head", agnostic("deleted")}, &out, &errOut, false)
	if code != 1 || !strings.Contains(out.String(), "Prod/Data: DatabaseInstanceAA8A5FDE (AWS::RDS::DBInstance) would be DELETED") {
		t.Fatalf("exit %d, want 1 naming the deleted database; stdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
}

func TestUnchangedAssemblyPasses(t *testing.T) {
	code, out := compareFixture(t, "base")
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	if !strings.Contains(out, "compared 2 stacks (4 stateful resources)") {
		t.Errorf("summary line missing or wrong:\n%s", out)
	}
}

func TestDeletedLogicalIDFails(t *testing.T) {
	code, out := compareFixture(t, "deleted")
	if code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", code, out)
	}
	want := "Prod/Data: DatabaseInstanceAA8A5FDE (AWS::RDS::DBInstance) would be DELETED: the logical id is no longer in the template; " +
		"new AWS::RDS::DBInstance in this stack: DatabaseV2InstanceC0FFEE12"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	for _, hint := range []string{"cdk refactor", AckLabel, "-acknowledge", "GARCON_ACK_STATEFUL=1"} {
		if !strings.Contains(out, hint) {
			t.Errorf("closing message lacks %q:\n%s", hint, out)
		}
	}
}

func TestTypeChangeFails(t *testing.T) {
	res := Compare(load(t, "base"), load(t, "type-changed"))
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %v, want exactly the bucket", res.Findings)
	}
	f := res.Findings[0]
	if f.LogicalID != "StorageUploadsBDC5E374" || f.Kind != TypeChanged || !strings.Contains(f.Detail, "AWS::S3Express::DirectoryBucket") {
		t.Errorf("finding = %s", f)
	}
}

func TestReplacingPropertyChangeFails(t *testing.T) {
	res := Compare(load(t, "base"), load(t, "replaced"))
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %v, want only DBName (Port 5433 as a number is the same port)", res.Findings)
	}
	want := `Prod/Data: DatabaseInstanceAA8A5FDE (AWS::RDS::DBInstance) would be REPLACED: DBName changed "garcon" → "orders" (requires replacement)`
	if got := res.Findings[0].String(); got != want {
		t.Errorf("finding\n got %s\nwant %s", got, want)
	}
}

func TestInPlaceChangesPass(t *testing.T) {
	code, out := compareFixture(t, "in-place")
	if code != 0 {
		t.Fatalf("exit %d, want 0 (only in-place changes; Prod/Data matched by display name although its artifact id changed); output:\n%s", code, out)
	}
}

func TestNewStatefulResourcesPass(t *testing.T) {
	code, out := compareFixture(t, "added")
	if code != 0 {
		t.Fatalf("exit %d, want 0; output:\n%s", code, out)
	}
}

func TestRemovedStackFails(t *testing.T) {
	code, out := compareFixture(t, "stack-removed")
	if code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", code, out)
	}
	if !strings.Contains(out, "Prod/Network: VpcA1B2C3D4 (AWS::EC2::VPC) would be DELETED (stack removed)") {
		t.Errorf("output does not name the VPC of the removed stack:\n%s", out)
	}
}

func TestAcknowledgedFindingsAreReportedButPass(t *testing.T) {
	code, out := compareFixture(t, "deleted", "-acknowledge")
	if code != 0 || !strings.Contains(out, "DatabaseInstanceAA8A5FDE") || !strings.Contains(out, "ACKNOWLEDGED") {
		t.Fatalf("-acknowledge: exit %d, output:\n%s", code, out)
	}
	var buf bytes.Buffer
	args := []string{"-base", "testdata/base", "-head", "testdata/deleted"}
	if code := run(args, &buf, &buf, true); code != 0 || !strings.Contains(buf.String(), "DatabaseInstanceAA8A5FDE") {
		t.Fatalf("GARCON_ACK_STATEFUL=1: exit %d, output:\n%s", code, buf.String())
	}
}

func TestUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-head", "testdata/base"}, &out, &errOut, false); code != 2 || !strings.Contains(errOut.String(), "-base is required") {
		t.Errorf("missing -base: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"-base", "testdata/nope", "-head", "testdata/base"}, &out, &errOut, false); code != 2 || !strings.Contains(errOut.String(), "base: ") {
		t.Errorf("missing base dir: exit %d, stderr %q", code, errOut.String())
	}
}

func TestListPrintsStacksAndTemplates(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-list", "-head", "testdata/base"}, &out, os.Stderr, false); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := "Prod/Data\t" + filepath.Join("testdata", "base", "assembly-Prod", "ProdDataF0FE1242.template.json") + "\n" +
		"Prod/Network\t" + filepath.Join("testdata", "base", "assembly-Prod", "ProdNetworkC4F84EDE.template.json") + "\n"
	if out.String() != want {
		t.Errorf("list =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestRuleSpecialCases(t *testing.T) {
	cases := []struct {
		name     string
		typ      string
		old, new map[string]any
		want     Kind // "" = no finding
	}{
		{"VPC tenancy dedicated to default is in place", "AWS::EC2::VPC",
			map[string]any{"InstanceTenancy": "dedicated"}, map[string]any{"InstanceTenancy": "default"}, ""},
		{"VPC tenancy default to dedicated replaces", "AWS::EC2::VPC",
			map[string]any{"InstanceTenancy": "default"}, map[string]any{"InstanceTenancy": "dedicated"}, Replaced},
		{"VPC CIDR replaces", "AWS::EC2::VPC",
			map[string]any{"CidrBlock": "10.0.0.0/16"}, map[string]any{"CidrBlock": "10.1.0.0/16"}, Replaced},
		{"KMS key usage cannot change", "AWS::KMS::Key",
			map[string]any{}, map[string]any{"KeyUsage": "SIGN_VERIFY"}, Blocked},
		{"KMS rotation is in place", "AWS::KMS::Key",
			map[string]any{"EnableKeyRotation": false}, map[string]any{"EnableKeyRotation": true}, ""},
		{"naming a bucket replaces it", "AWS::S3::Bucket",
			map[string]any{}, map[string]any{"BucketName": "garcon-uploads"}, Replaced},
		{"secret name replaces", "AWS::SecretsManager::Secret",
			map[string]any{"Name": "a"}, map[string]any{"Name": "b"}, Replaced},
		{"vault key replaces", "AWS::Backup::BackupVault",
			map[string]any{"EncryptionKeyArn": "arn:1"}, map[string]any{"EncryptionKeyArn": "arn:2"}, Replaced},
		{"Redis at-rest encryption replaces", "AWS::ElastiCache::ReplicationGroup",
			map[string]any{"AtRestEncryptionEnabled": true}, map[string]any{"AtRestEncryptionEnabled": false}, Replaced},
		{"Redis node type is in place", "AWS::ElastiCache::ReplicationGroup",
			map[string]any{"CacheNodeType": "cache.t4g.micro"}, map[string]any{"CacheNodeType": "cache.m7g.large"}, ""},
		{"RDS storage encryption replaces (bool vs string)", "AWS::RDS::DBInstance",
			map[string]any{"StorageEncrypted": true}, map[string]any{"StorageEncrypted": "false"}, Replaced},
		{"RDS same value as string and bool", "AWS::RDS::DBInstance",
			map[string]any{"StorageEncrypted": true}, map[string]any{"StorageEncrypted": "true"}, ""},
		{"RDS multi-AZ is in place", "AWS::RDS::DBInstance",
			map[string]any{"MultiAZ": false}, map[string]any{"MultiAZ": true}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := propertyFindings("S", "R", cloudassembly.Resource{Type: c.typ, Properties: c.old}, cloudassembly.Resource{Type: c.typ, Properties: c.new})
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("unexpected findings %v", got)
			case c.want != "" && (len(got) != 1 || got[0].Kind != c.want):
				t.Errorf("findings %v, want one %s", got, c.want)
			}
		})
	}
}
