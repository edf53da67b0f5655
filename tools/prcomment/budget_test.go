package main

import (
	"strings"
	"testing"

	"github.com/garcon/infrastructure/config"
)

// The cost-delta fixture's heads are Production $1534.58 and Staging $248.59.
var fixtureBudgets = map[string]Budget{
	"Production": {EstimateUSD: 1560, MarginPercent: 15, AmountUSD: 1794},
	"Staging":    {EstimateUSD: 200, MarginPercent: 20, AmountUSD: 240},
}

// A pull request that raises an estimate above its environment's budget says so in the
// comment, under the cost delta, naming the environment, the estimate and the budget.
func TestRenderWarnsWhenTheEstimateExceedsTheBudget(t *testing.T) {
	stacks := Parse(readFixture(t, "production-network.txt"))
	body := Render(Input{Stacks: stacks, Source: "x", Cost: readFixture(t, "cost-delta.md"), Budgets: fixtureBudgets})
	i := strings.Index(body, "**Budgets**")
	if i < 0 {
		t.Fatalf("no budget line:\n%s", body)
	}
	budgets := body[i:]
	for _, want := range []string{
		"Production $1794 (this pull request's estimate: 86 %), Staging $240 (this pull request's estimate: 104 %).",
		"> [!WARNING]\n> **This pull request raises the estimate above the budget**",
		"> - **Staging**: estimate $248.59, budget $240 (`Spend.EstimateUSD` $200 + 20 %)",
	} {
		if !strings.Contains(budgets, want) {
			t.Errorf("budget lines lack %q:\n%s", want, budgets)
		}
	}
	if strings.Contains(budgets, "**Production**") {
		t.Errorf("production is within its budget:\n%s", budgets)
	}
	if i, j := strings.Index(body, "### Cost delta"), strings.Index(body, "**Budgets**"); i < 0 || j < i {
		t.Errorf("the budgets follow the cost delta:\n%s", body)
	}
}

// Within the budget there is no warning; an estimate past Spend.EstimateUSD but within
// the margin gets a note.
func TestRenderBudgetWithinAndIntoTheMargin(t *testing.T) {
	stacks := Parse(readFixture(t, "production-network.txt"))
	within := map[string]Budget{
		"Production": {EstimateUSD: 1560, MarginPercent: 15, AmountUSD: 1794},
		"Staging":    {EstimateUSD: 240, MarginPercent: 20, AmountUSD: 288},
	}
	body := Render(Input{Stacks: stacks, Source: "x", Cost: readFixture(t, "cost-delta.md"), Budgets: within})
	if strings.Contains(body, "[!WARNING]\n> **This pull request raises the estimate above the budget**") {
		t.Errorf("no warning within the budgets:\n%s", body)
	}
	if want := "> [!NOTE]\n> The estimate has outgrown `Spend.EstimateUSD` and eats into the margin: Staging (estimate $248.59, `Spend.EstimateUSD` $240)."; !strings.Contains(body, want) {
		t.Errorf("body lacks %q:\n%s", want, body)
	}
	if body := Render(Input{Stacks: stacks, Source: "x", Cost: readFixture(t, "cost-delta.md")}); strings.Contains(body, "**Budgets**") {
		t.Errorf("no budgets, no budget line:\n%s", body)
	}
}

// The comment's budgets are config's: the same numbers AWS Budgets gets.
func TestConfigBudgetsAreTheConfiguredSpend(t *testing.T) {
	budgets := ConfigBudgets(config.All())
	for _, env := range config.All() {
		b, ok := budgets[env.StageName]
		if !ok || b.AmountUSD != env.Spend.BudgetUSD() || b.EstimateUSD != env.Spend.EstimateUSD || b.MarginPercent != env.Spend.MarginPercent {
			t.Errorf("%s: %+v, want config's Spend %+v (budget %v)", env.StageName, b, env.Spend, env.Spend.BudgetUSD())
		}
	}
}
