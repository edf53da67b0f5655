package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The testdata files are real `cdk diff` output (stderr) of CLI 2.1148.1 on this app:
// production-data.txt compares Production/Data with a base template in which the
// database had another logical id, the uploads bucket a BucketName, an IAM policy one
// more statement and the database security group an SSH rule; production-network.txt
// has no differences; staging-backup-new.txt is a new stack (compared with "{}").

func readFixture(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestParseRealDiff(t *testing.T) {
	stacks := Parse(readFixture(t, "production-data.txt"))
	if len(stacks) != 1 || stacks[0].Name != "Production/Data" {
		t.Fatalf("stacks = %+v, want one Production/Data", stacks)
	}
	s := stacks[0]
	if !s.IAM || !s.SecurityGroups || s.NoChanges {
		t.Errorf("IAM=%v SG=%v NoChanges=%v, want IAM and SG changes", s.IAM, s.SecurityGroups, s.NoChanges)
	}
	if s.Destroyed != 1 || s.Added != 19 || s.Changed != 7 {
		t.Errorf("+%d ~%d -%d, want +19 ~7 -1", s.Added, s.Changed, s.Destroyed)
	}
	want := map[string]string{
		"OldDbInstance":                "destroy",
		"StorageUploadsBDC5E374":       "replace",
		"StorageUploadsPolicy7DCAB874": "replace",
		"BackupPlanSelectionB4F5CAD0":  "replace",
	}
	if len(s.Risky) != len(want) {
		t.Fatalf("risky = %+v, want %v", s.Risky, want)
	}
	for _, r := range s.Risky {
		if want[r.LogicalID] != r.Impact {
			t.Errorf("%s: impact %q, want %q", r.LogicalID, r.Impact, want[r.LogicalID])
		}
	}
	if strings.Contains(s.Text, "Number of stacks with differences") {
		t.Error("the CLI's closing line should be dropped")
	}
}

func TestParseSeveralStacksNoDiffAndColours(t *testing.T) {
	coloured := "\x1b[1mStack \x1b[1mStaging/Web (Staging-Web)\x1b[22m\n\x1b[0m\x1b[4mResources\x1b[24m\n" +
		"\x1b[33m[~]\x1b[39m AWS::EC2::VPC Web/Vpc Vpc8378EB38 \x1b[31mmay be replaced\x1b[39m\n"
	out := readFixture(t, "production-network.txt") + readFixture(t, "staging-backup-new.txt") + coloured
	stacks := Parse(out)
	names := make([]string, len(stacks))
	for i, s := range stacks {
		names[i] = s.Name
	}
	if got := strings.Join(names, ","); got != "Production/Network,Staging/Backup,Staging/Web" {
		t.Fatalf("stacks = %s", got)
	}
	if !stacks[0].NoChanges || stacks[1].NoChanges {
		t.Errorf("Production/Network should have no changes, Staging/Backup should: %+v", stacks[:2])
	}
	if stacks[1].Added != 2 || !stacks[1].IAM {
		t.Errorf("Staging/Backup: +%d IAM=%v, want +2 and IAM", stacks[1].Added, stacks[1].IAM)
	}
	web := stacks[2]
	if len(web.Risky) != 1 || web.Risky[0].LogicalID != "Vpc8378EB38" || web.Risky[0].Impact != "may be replaced" {
		t.Errorf("coloured line: risky = %+v, want Vpc8378EB38 may be replaced", web.Risky)
	}
}

func TestParseResourceWithoutPath(t *testing.T) {
	rc, ok := parseResource("[-] AWS::S3::Bucket Logs1234 orphan")
	if !ok || rc.LogicalID != "Logs1234" || rc.Impact != "orphan" || rc.Op != "-" {
		t.Fatalf("got %+v %v", rc, ok)
	}
	if _, ok := parseResource("[+] Output Data/Publish/Output X: {}"); ok {
		t.Error("an Outputs line is not a resource")
	}
}

func TestRenderCallsOutRiskBeforeTheDetails(t *testing.T) {
	stacks := Parse(readFixture(t, "production-data.txt") + readFixture(t, "production-network.txt"))
	body := Render(Input{Stacks: stacks, Source: "the deployed stacks", Guard: "stateguard: OK", Commit: "0123456789abcdef"})
	if !strings.HasPrefix(body, Marker+"\n") || strings.Count(body, Marker) != 1 {
		t.Fatal("the body must start with the marker, once")
	}
	caution := strings.Index(body, "[!CAUTION]")
	firstDetails := strings.Index(body, "<details><summary><b>Production/Data")
	if caution < 0 || firstDetails < 0 || caution > firstDetails {
		t.Fatalf("the replacement callout must come before the per-stack details:\n%s", body)
	}
	for _, want := range []string{
		"`Production/Data`: `StorageUploadsBDC5E374` (AWS::S3::Bucket) — **replace**",
		"`Production/Data`: `OldDbInstance` (AWS::RDS::DBInstance) — **destroy**",
		"**IAM changes** in `Production/Data`",
		"**Security-group changes** in `Production/Data`",
		"No changes: `Production/Network`.",
		"Stateful resource guard passed",
		"at `0123456789ab`",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>Production/Network</b>") {
		t.Error("a stack without changes gets no details section")
	}
}

func TestRenderQuietWhenNothingRisky(t *testing.T) {
	body := Render(Input{Stacks: Parse(readFixture(t, "production-network.txt")), Source: "x"})
	if strings.Contains(body, "[!CAUTION]") || strings.Contains(body, "[!WARNING]") || !strings.Contains(body, "No stack has changes.") {
		t.Fatalf("body:\n%s", body)
	}
}

// bigDiff is `cdk diff` output of four stacks of 3,000 added topics each: far more than
// one comment holds.
func bigDiff() []StackDiff {
	var big strings.Builder
	for s := 0; s < 4; s++ {
		fmt.Fprintf(&big, "Stack Production/S%d (x)\nResources\n", s)
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(&big, "[+] AWS::SNS::Topic S/T%d Topic%dABCDEF0123456789\n", i, i)
		}
	}
	return Parse(big.String())
}

func TestRenderStaysUnderGitHubLimit(t *testing.T) {
	body := Render(Input{Stacks: bigDiff(), Source: "x"})
	if len(body) > MaxBody {
		t.Fatalf("body is %d characters, limit %d", len(body), MaxBody)
	}
	if strings.Count(body, "cut to fit the comment") != 4 || strings.Count(body, "<details>") != 4 {
		t.Errorf("every stack should keep a (cut) section")
	}
}

func TestFenceLongerThanBackticksInside(t *testing.T) {
	got := fenced("a ``` b")
	if !strings.HasPrefix(got, "````text\n") || !strings.HasSuffix(got, "\n````\n") {
		t.Fatalf("fenced = %q", got)
	}
}

func TestCommandLine(t *testing.T) {
	var out, errOut bytes.Buffer
	guard := filepath.Join(t.TempDir(), "guard.txt")
	if err := os.WriteFile(guard, []byte("stateguard: X would be DELETED"), 0o600); err != nil {
		t.Fatal(err)
	}
	code := run([]string{"-source", "the base branch", "-guard", guard, "-guard-failed", "-removed", "Production/Old",
		filepath.Join("testdata", "production-data.txt")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"Stateful resource guard <b>found stateful resources that would be replaced or deleted</b>", "<details open>", "`Production/Old`: the whole stack is gone"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	errOut.Reset()
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("some unrelated text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{empty}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "Stack <name>") {
		t.Errorf("non-diff input: exit %d, stderr %q", code, errOut.String())
	}
	if code := run(nil, &out, &errOut); code != 2 {
		t.Errorf("no input: exit %d, want 2", code)
	}
}
