package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
)

// The cost fixtures are real output of `go run ./tools/costestimate --compare BASE
// --format markdown HEAD` on this app: cost-delta.md with HEAD the synthesized app and
// BASE a copy of it without Staging/Data's read replica and with Production/Service's
// DesiredCount at 2 (head: 3); cost-unchanged.md with the app compared with itself.

func TestParseCostRealOutput(t *testing.T) {
	envs := ParseCost(readFixture(t, "cost-delta.md"))
	want := []CostEnv{
		{Name: "Production", Base: "$1501.42", Head: "$1534.58", Delta: "+$33.16"},
		{Name: "Staging", Base: "$193.37", Head: "$248.59", Delta: "+$55.22"},
	}
	if len(envs) != len(want) {
		t.Fatalf("envs = %+v, want %d", envs, len(want))
	}
	for i, w := range want {
		e := envs[i]
		if e.Name != w.Name || e.Base != w.Base || e.Head != w.Head || e.Delta != w.Delta {
			t.Errorf("env %d = %s %s → %s (%s), want %s %s → %s (%s)", i, e.Name, e.Base, e.Head, e.Delta, w.Name, w.Base, w.Head, w.Delta)
		}
		if e.Changed() != 1 || !strings.HasPrefix(e.Changes[0], "| change | stack |") {
			t.Errorf("%s: %d changed rows %q, want 1 under the table header", e.Name, e.Changed(), e.Changes)
		}
	}
	for _, e := range ParseCost(readFixture(t, "cost-unchanged.md")) {
		if e.Delta != "$0.00" || e.Changed() != 0 || e.Base != e.Head {
			t.Errorf("unchanged: %+v", e)
		}
	}
	if got := ParseCost("# Monthly cost estimate\n\n## Staging: $248.59 per month\n"); got != nil {
		t.Errorf("an estimate (not a delta) parsed as %+v", got)
	}
}

// section returns body from the first occurrence of start up to the first occurrence of
// end after it (end excluded), failing the test when either is missing.
func section(t *testing.T, body, start, end string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("body lacks %q:\n%s", start, body)
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		t.Fatalf("body lacks %q after %q:\n%s", end, start, body)
	}
	return body[i : i+j]
}

func TestRenderCostSectionAfterTheCalloutsBeforeTheStacks(t *testing.T) {
	stacks := Parse(readFixture(t, "production-data.txt") + readFixture(t, "production-network.txt"))
	body := Render(Input{Stacks: stacks, Source: "the deployed stacks", Guard: "stateguard: OK", Cost: readFixture(t, "cost-delta.md")})

	order := []string{
		"[!CAUTION]", "[!WARNING]", "Stateful resource guard passed",
		"### Cost delta", "| environment | base | head | delta |", "<details><summary>Per-resource cost changes",
		"| stack | added | changed |", "<details><summary><b>Production/Data",
	}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < 0 || i < last {
			t.Fatalf("%q is missing or out of place (want the order %q):\n%s", s, order, body)
		}
		last = i
	}
	if strings.Count(body, "### Cost delta") != 1 {
		t.Error("one cost section")
	}

	// The totals are visible; a non-zero delta is bold.
	totals := section(t, body, "| environment | base | head | delta |", "<details>")
	for _, row := range []string{"| Production | $1501.42 | $1534.58 | **+$33.16** |", "| Staging | $193.37 | $248.59 | **+$55.22** |"} {
		if !strings.Contains(totals, row) {
			t.Errorf("totals lack %q:\n%s", row, totals)
		}
	}
	// The per-resource lines are in the collapsed details, under their environment.
	details := section(t, body, "<details><summary>Per-resource cost changes: 1 in Production, 1 in Staging</summary>", "</details>")
	for _, want := range []string{
		"**Production**\n\n| change | stack | resource | type | base | head | delta |\n|---|---|---|---|---|---|---|\n" +
			"| changed | Production/Service | ApiServiceD5B4A50A | AWS::ECS::Service | $66.33 | $99.49 | +$33.16 |\n\n**Staging**",
		"| added | Staging/Data | DatabaseReplica1ED560A1F | AWS::RDS::DBInstance | $0.00 | $55.22 | +$55.22 |\n\n",
	} {
		if !strings.Contains(details, want) {
			t.Errorf("per-resource details lack %q:\n%s", want, details)
		}
	}
	if strings.Contains(totals, "ApiServiceD5B4A50A") {
		t.Error("per-resource lines belong in the details, not above them")
	}
}

func TestRenderCostUnchanged(t *testing.T) {
	body := Render(Input{Stacks: Parse(readFixture(t, "production-network.txt")), Source: "x", Cost: readFixture(t, "cost-unchanged.md")})
	for _, want := range []string{"| Production | $1534.58 | $1534.58 | $0.00 |", "| Staging | $248.59 | $248.59 | $0.00 |", "No priced resource changed."} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Per-resource cost changes") || strings.Contains(body, "**$") {
		t.Errorf("no details and no bold delta when nothing changed:\n%s", body)
	}
}

func TestRenderCostAbsentErrorOrUnrecognised(t *testing.T) {
	stacks := Parse(readFixture(t, "production-network.txt"))
	if body := Render(Input{Stacks: stacks, Source: "x"}); strings.Contains(body, "Cost delta") {
		t.Errorf("no cost input, no cost section:\n%s", body)
	}

	body := Render(Input{Stacks: stacks, Source: "x", CostError: "costestimate: environment \"Preview\" of the assembly\nhas no usage assumptions"})
	if want := "### Cost delta\n\nNot computed (see the workflow run's log): costestimate: environment \"Preview\" of the assembly has no usage assumptions\n\n"; !strings.Contains(body, want) {
		t.Errorf("body lacks %q:\n%s", want, body)
	}

	body = Render(Input{Stacks: stacks, Source: "x", CostError: strings.Repeat("very long error ", 100)})
	if got := section(t, body, "Not computed", "\n"); len(got) > 600 || !strings.HasSuffix(got, " …") {
		t.Errorf("a long error should be cut to one short line, got %d characters: %q", len(got), got)
	}

	body = Render(Input{Stacks: stacks, Source: "x", Cost: "Monthly cost, in a format this tool does not know\n"})
	got := section(t, body, "### Cost delta", "</details>")
	if !strings.Contains(got, "not in the expected format") || !strings.Contains(got, "Monthly cost, in a format this tool does not know") {
		t.Errorf("unrecognised cost output should be shown as is, collapsed:\n%s", got)
	}
}

func TestRenderStaysUnderGitHubLimitWithCost(t *testing.T) {
	var cost strings.Builder
	cost.WriteString("\n# Monthly cost delta (base → head)\n\n")
	for _, env := range []string{"Production", "Staging"} {
		fmt.Fprintf(&cost, "\n## %s: $100.00 → $1600.00 (+$1500.00 per month)\n\n", env)
		cost.WriteString("| change | stack | resource | type | base | head | delta |\n|---|---|---|---|---|---|---|\n")
		for i := 0; i < 1500; i++ {
			fmt.Fprintf(&cost, "| added | %s/S | Queue%dABCDEF01 | AWS::SQS::Queue | $0.00 | $1.00 | +$1.00 |\n", env, i)
		}
	}
	body := Render(Input{Stacks: bigDiff(), Source: "x", Cost: cost.String()})
	if len(body) > MaxBody {
		t.Fatalf("body is %d characters, limit %d", len(body), MaxBody)
	}
	got := section(t, body, "### Cost delta", "| stack | added |")
	if len(got) > costLimit {
		t.Errorf("the cost section is %d characters, limit %d", len(got), costLimit)
	}
	for _, want := range []string{
		"| Production | $100.00 | $1600.00 | **+$1500.00** |", "| Staging | $100.00 | $1600.00 | **+$1500.00** |",
		"Per-resource cost changes: 1500 in Production, 1500 in Staging", "| added | Production/S | Queue0ABCDEF01 |",
		"\n\n" + costCut + "\n\n</details>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("cost section lacks %q", want)
		}
	}
	if strings.Count(body, "the full diff is in the workflow run's log") != 4 || strings.Count(body, "<details><summary><b>") != 4 {
		t.Errorf("every stack should keep a (cut) section")
	}
}

func TestCommandLineCost(t *testing.T) {
	diff := filepath.Join("testdata", "production-network.txt")
	var out, errOut bytes.Buffer
	if code := run([]string{"-cost", filepath.Join("testdata", "cost-delta.md"), diff}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "| Staging | $193.37 | $248.59 | **+$55.22** |") || errOut.Len() != 0 {
		t.Errorf("-cost: stdout lacks the Staging totals or stderr is not empty (%q)", errOut.String())
	}

	out.Reset()
	if code := run([]string{"-cost-error", "costestimate failed", diff}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Not computed (see the workflow run's log): costestimate failed") {
		t.Errorf("-cost-error: exit %d, output:\n%s", code, out.String())
	}

	unknown := filepath.Join(t.TempDir(), "cost.md")
	if err := os.WriteFile(unknown, []byte("total: $3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"-cost", unknown, diff}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "warning") || !strings.Contains(out.String(), "total: $3") {
		t.Errorf("unrecognised -cost: exit %d, stderr %q", code, errOut.String())
	}

	errOut.Reset()
	if code := run([]string{"-cost", filepath.Join(t.TempDir(), "missing.md"), diff}, &out, &errOut); code != 2 {
		t.Errorf("missing -cost file: exit %d, want 2 (stderr %q)", code, errOut.String())
	}
}

// TestCostOfTheRealApp runs tools/costestimate as diff.yml does, on the app named by
// GARCON_CDK_OUT and a copy of it with one more staging task, so a change in its output
// format that this tool cannot read fails here rather than in the pull-request comment.
func TestCostOfTheRealApp(t *testing.T) {
	head := cloudassemblytest.Dir(t)
	base := cloudassemblytest.Copy(t, head)
	tpl := cloudassemblytest.OpenTemplate(t, base, "Staging/Service")
	svc := tpl.First(t, "AWS::ECS::Service")
	count, ok := tpl.Properties(svc)["DesiredCount"].(float64)
	if !ok {
		t.Fatalf("Staging/Service %s has no numeric DesiredCount", svc)
	}
	tpl.Properties(svc)["DesiredCount"] = count + 1
	tpl.Save(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./tools/costestimate", "--compare", base, "--format", "markdown", head)
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	md, err := cmd.Output()
	if err != nil {
		t.Fatalf("costestimate: %v\n%s", err, stderr.String())
	}

	var s *CostEnv
	for _, env := range ParseCost(string(md)) {
		if env.Name == "Staging" {
			s = &env
			continue
		}
		if env.Delta != "$0.00" || env.Base != env.Head || env.Changed() != 0 {
			t.Errorf("%s: %+v, want no change", env.Name, env)
		}
	}
	if s == nil {
		t.Fatalf("no Staging in the cost delta; output:\n%s", md)
	}
	if !strings.HasPrefix(s.Delta, "−$") || s.Changed() != 1 || !strings.Contains(s.Changes[2], svc) {
		t.Errorf("Staging: %+v, want one fewer task: a negative delta on %s", s, svc)
	}
	body := Render(Input{Stacks: Parse(readFixture(t, "production-network.txt")), Source: "x", Cost: string(md)})
	if !strings.Contains(body, "Per-resource cost changes: 1 in Staging") || !strings.Contains(body, "| Staging | "+s.Base+" | "+s.Head+" | **"+s.Delta+"** |") {
		t.Errorf("rendered cost section:\n%s", section(t, body, "### Cost delta", "| stack"))
	}
}
