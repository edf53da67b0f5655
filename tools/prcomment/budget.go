package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/garcon/infrastructure/config"
)

// Budget is an environment's AWS Budgets budget as config sets it (config.Spend): the
// estimate it was set from, the margin, and the resulting monthly amount.
type Budget struct {
	// EstimateUSD and MarginPercent are config's Spend.EstimateUSD and Spend.MarginPercent.
	EstimateUSD, MarginPercent float64
	// AmountUSD is the budget AWS Budgets alerts against (Spend.BudgetUSD()).
	AmountUSD float64
}

// ConfigBudgets returns the budget of each environment by stage name ("Staging"), the
// name the cost delta uses.
func ConfigBudgets(envs []config.Environment) map[string]Budget {
	out := make(map[string]Budget, len(envs))
	for _, e := range envs {
		out[e.StageName] = Budget{EstimateUSD: e.Spend.EstimateUSD, MarginPercent: e.Spend.MarginPercent, AmountUSD: e.Spend.BudgetUSD()}
	}
	return out
}

// parseUSD reads an amount as tools/costestimate prints it: "$1534.58".
func parseUSD(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimPrefix(s, "$"), ",", ""), 64)
	return v, err == nil
}

// budgetSection compares each environment's head estimate with its budget: one line with
// the budgets and how much of each the estimate takes, a warning for every environment
// whose estimate exceeds its budget (AWS Budgets would alert every month, and
// tools/costestimate's test fails), and a note where the estimate has outgrown
// Spend.EstimateUSD but not yet the margin. It returns "" without budgets or estimates.
func budgetSection(envs []CostEnv, budgets map[string]Budget) string {
	var shares, over, grown []string
	for _, e := range envs {
		b, ok := budgets[e.Name]
		head, parsed := parseUSD(e.Head)
		if !ok || !parsed || b.AmountUSD <= 0 {
			continue
		}
		shares = append(shares, fmt.Sprintf("%s $%.0f (this pull request's estimate: %.0f %%)", e.Name, b.AmountUSD, 100*head/b.AmountUSD))
		switch {
		case head > b.AmountUSD:
			over = append(over, fmt.Sprintf("> - **%s**: estimate %s, budget $%.0f (`Spend.EstimateUSD` $%.0f + %.0f %%)", e.Name, e.Head, b.AmountUSD, b.EstimateUSD, b.MarginPercent))
		case head > b.EstimateUSD:
			grown = append(grown, fmt.Sprintf("%s (estimate %s, `Spend.EstimateUSD` $%.0f)", e.Name, e.Head, b.EstimateUSD))
		}
	}
	if len(shares) == 0 {
		return ""
	}
	sort.Strings(shares)
	var b strings.Builder
	b.WriteString("**Budgets** (AWS Budgets, from config `Spend`: the estimate plus a margin; alerts at 80 % forecast and 100 % actual): " +
		strings.Join(shares, ", ") + ".\n\n")
	if len(over) > 0 {
		b.WriteString("> [!WARNING]\n> **This pull request raises the estimate above the budget** — AWS Budgets would alert every month, " +
			"and `go test ./tools/costestimate` fails until `Spend.EstimateUSD` in `config/environments.go` covers the new estimate:\n>\n" +
			strings.Join(over, "\n") + "\n\n")
	}
	if len(grown) > 0 {
		b.WriteString("> [!NOTE]\n> The estimate has outgrown `Spend.EstimateUSD` and eats into the margin: " + strings.Join(grown, ", ") +
			". Raise it to the new estimate, rounded up.\n\n")
	}
	return b.String()
}
