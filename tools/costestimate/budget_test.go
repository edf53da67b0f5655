package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

// The budget and the estimate come from the same numbers: every environment's estimate
// of the synthesized app (GARCON_CDK_OUT) stays within the budget config gives AWS
// Budgets (Spend.EstimateUSD plus MarginPercent). A change that makes an environment
// dearer than that fails here until Spend.EstimateUSD is raised with it.
func TestRealAppEstimateIsWithinTheConfiguredBudget(t *testing.T) {
	est := estimateReal(t)
	for _, env := range config.All() {
		e := est.Env(env.StageName)
		require.NotNil(t, e, env.StageName)
		budget := env.Spend.BudgetUSD()
		assert.LessOrEqualf(t, e.Total(), budget,
			"%s: the estimate $%.2f exceeds the budget $%.0f (Spend.EstimateUSD $%.0f + %.0f %%); raise Spend.EstimateUSD in config/environments.go to the new estimate, rounded up",
			env.StageName, e.Total(), budget, env.Spend.EstimateUSD, env.Spend.MarginPercent)
	}
}

// The budget's own line: a budget is priced at its list price, the payer account's two
// free budgets not deducted.
func TestRealAppPricesEachEnvironmentsBudget(t *testing.T) {
	est := estimateReal(t)
	for _, env := range config.All() {
		e := est.Env(env.StageName)
		require.NotNil(t, e, env.StageName)
		var budgets []Line
		for _, l := range e.Lines {
			if l.Type == "AWS::Budgets::Budget" {
				budgets = append(budgets, l)
			}
		}
		if assert.Len(t, budgets, 1, env.StageName) {
			assert.Equal(t, 0.61, budgets[0].Monthly, env.StageName)
			assert.Equal(t, env.StageName+"/Edge", budgets[0].Stack)
		}
	}
}
