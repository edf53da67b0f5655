package config_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/config"
)

func TestBudgetIsTheEstimatePlusTheMarginRoundedUp(t *testing.T) {
	cases := []struct {
		spend config.Spend
		want  float64
	}{
		{config.Spend{EstimateUSD: 260, MarginPercent: 20}, 312},
		{config.Spend{EstimateUSD: 1560, MarginPercent: 15}, 1794},
		{config.Spend{EstimateUSD: 100.01, MarginPercent: 0}, 101},
		{config.Spend{EstimateUSD: 100, MarginPercent: 0}, 100},
		{config.Spend{EstimateUSD: 253.59, MarginPercent: 10}, 279},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.spend.BudgetUSD(), "%+v", c.spend)
	}
}

func TestValidateReportsEachBadSpendValue(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*config.Spend)
		want   []string
	}{
		{"no estimate", func(s *config.Spend) { s.EstimateUSD = 0 }, []string{"staging: Spend.EstimateUSD:", "1 to 1000000"}},
		{"estimate NaN", func(s *config.Spend) { s.EstimateUSD = math.NaN() }, []string{"staging: Spend.EstimateUSD:"}},
		{"negative margin", func(s *config.Spend) { s.MarginPercent = -5 }, []string{"staging: Spend.MarginPercent:", "0 to 100"}},
		{"margin over 100", func(s *config.Spend) { s.MarginPercent = 150 }, []string{"staging: Spend.MarginPercent:", "0 to 100"}},
		{"no anomaly threshold", func(s *config.Spend) { s.AnomalyImpactUSD = 0 }, []string{"staging: Spend.AnomalyImpactUSD:", "1 to 100000"}},
		{"anomaly above budget", func(s *config.Spend) { s.AnomalyImpactUSD = 5000 }, []string{"staging: Spend.AnomalyImpactUSD:", "less than the budget (312 USD)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := config.Staging()
			c.mutate(&env.Spend)
			err := env.Validate()
			if !assert.Error(t, err) {
				return
			}
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), 1, "one problem, one message: %v", err)
		})
	}
}

func TestValidateRejectsABadDefaultBranch(t *testing.T) {
	env := config.Production()
	env.GitHub.DefaultBranch = "main*"
	err := env.Validate()
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "production: GitHub.DefaultBranch:")
	}
}
