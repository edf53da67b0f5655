package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The access fixtures are real output of `go run ./tools/access -compare BASE -format
// json HEAD` on this app: access-changes.json with HEAD the synthesized app and BASE a copy
// in which Staging's execution role lacks its kms:Decrypt statement and Production's diff
// role may assume the lookup role (the findings 1 and 6 undone); access-unchanged.json with
// the app compared with itself.

func TestParseAccessRealOutput(t *testing.T) {
	r, ok := ParseAccess(readFixture(t, "access-changes.json"))
	if !ok || r.Rows < 50 || len(r.Changes) != 31 || len(r.Unmet) != 0 {
		t.Fatalf("ok %v, %d rows, %d changes, %d unmet", ok, r.Rows, len(r.Changes), len(r.Unmet))
	}
	allowed, denied := countChanges(r.Changes)
	if allowed != 5 || denied != 26 {
		t.Errorf("%d newly allowed, %d newly denied; want the 5 secrets and 26 reads of the diff role", allowed, denied)
	}
	if _, ok := ParseAccess("## Staging: $1 → $2 (+$1 per month)"); ok {
		t.Error("markdown parsed as an access comparison")
	}
}

func TestRenderAccessSectionAfterTheCostBeforeTheStacks(t *testing.T) {
	stacks := Parse(readFixture(t, "production-data.txt"))
	body := Render(Input{Stacks: stacks, Source: "x", Cost: readFixture(t, "cost-delta.md"), Access: readFixture(t, "access-changes.json")})
	order := []string{"### Cost delta", "### Access changes", "**5 newly allowed** and **26 newly denied**",
		"| change | environment | flow | principal | resource | must be | is |", "| stack | added | changed |"}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < 0 || i < last {
			t.Fatalf("%q is missing or out of place (want the order %q):\n%s", s, order, body)
		}
		last = i
	}
	for _, row := range []string{
		"| newly allowed | Staging | the task execution role reads and decrypts each secret ECS injects | `Service/Api/Task/ExecutionRole` | `Data/Secrets/JwtSigningKey` | allowed | allowed |",
		"| newly denied | Production | the diff role, or a role it assumes, reads no S3 object | `CICD/GitHub/DiffRole` | `Data/Storage/Logs` | denied | denied |",
	} {
		if !strings.Contains(body, row) {
			t.Errorf("body lacks %q", row)
		}
	}
	if strings.Contains(body, "not met") {
		t.Error("every head row is met: no caution")
	}
}

func TestRenderAccessUnchangedUnmetAndError(t *testing.T) {
	stacks := Parse(readFixture(t, "production-network.txt"))
	body := Render(Input{Stacks: stacks, Source: "x", Access: readFixture(t, "access-unchanged.json")})
	if !strings.Contains(body, "No flow of the access matrix changes outcome (423 rows") {
		t.Errorf("unchanged:\n%s", section(t, body, "### Access changes", "No stack has changes"))
	}
	if body := Render(Input{Stacks: stacks, Source: "x"}); strings.Contains(body, "Access changes") {
		t.Error("no access input, no access section")
	}

	unmet := AccessReport{Base: "b", Head: "h", Rows: 3, Changes: []AccessChange{
		{Change: "newly allowed", Base: "denied", Env: "Staging", Flow: "the task role reads no secret", Principal: "Service/Api/Task/TaskRole",
			Resource: "Data/Secrets/StripeApiKey", Expected: "denied", Actual: "allowed"},
	}}
	unmet.Unmet = unmet.Changes
	raw, err := json.Marshal(unmet)
	if err != nil {
		t.Fatal(err)
	}
	got := section(t, Render(Input{Stacks: stacks, Source: "x", Access: string(raw)}), "### Access changes", "No stack has changes")
	for _, want := range []string{"**1 newly allowed** and **0 newly denied**", "**1 rows of the access matrix are not met**",
		"| `Data/Secrets/StripeApiKey` | denied | **allowed** ✗ |"} {
		if !strings.Contains(got, want) {
			t.Errorf("section lacks %q:\n%s", want, got)
		}
	}

	body = Render(Input{Stacks: stacks, Source: "x", AccessError: "access: base\nfailed"})
	if !strings.Contains(body, "### Access changes\n\nNot computed (see the workflow run's log): access: base failed\n\n") {
		t.Errorf("error:\n%s", body)
	}
	body = Render(Input{Stacks: stacks, Source: "x", Access: "Access changes in text\n"})
	if got := section(t, body, "### Access changes", "</details>"); !strings.Contains(got, "not in the expected format") || !strings.Contains(got, "Access changes in text") {
		t.Errorf("unrecognised output should be shown as is:\n%s", got)
	}
}

func TestRenderAccessStaysWithinItsShare(t *testing.T) {
	r := AccessReport{Base: "b", Head: "h", Rows: 5000}
	for i := 0; i < 3000; i++ {
		r.Changes = append(r.Changes, AccessChange{Change: "newly denied", Env: "Production", Flow: "a flow", Principal: "P",
			Resource: fmt.Sprintf("Data/Thing%d", i), Expected: "denied", Actual: "denied", Met: true})
	}
	raw, _ := json.Marshal(r)
	got := accessSection(string(raw), "", accessLimit)
	if len(got) > accessLimit || !strings.Contains(got, accessCut) || !strings.Contains(got, "Data/Thing0`") {
		t.Errorf("section of %d characters (limit %d), cut note present: %v", len(got), accessLimit, strings.Contains(got, accessCut))
	}
}

func TestCommandLineAccess(t *testing.T) {
	diff := filepath.Join("testdata", "production-network.txt")
	var out, errOut bytes.Buffer
	if code := run([]string{"-access", filepath.Join("testdata", "access-changes.json"), diff}, &out, &errOut); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "**5 newly allowed** and **26 newly denied**") {
		t.Errorf("-access: output lacks the counts")
	}
	out.Reset()
	if code := run([]string{"-access-error", "access failed", diff}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Not computed (see the workflow run's log): access failed") {
		t.Errorf("-access-error: exit %d", code)
	}
	if code := run([]string{"-access", filepath.Join(t.TempDir(), "missing.json"), diff}, &out, &errOut); code != 2 {
		t.Errorf("missing -access file: exit %d, want 2", code)
	}
}
