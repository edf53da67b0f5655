package config

import (
	"fmt"
	"math"
)

// Spend sets the environment's AWS Budgets cost budget and its Cost Anomaly Detection
// alerts (README, "Budgets and cost anomalies"). The budget is computed from the same
// number the cost estimate prints: EstimateUSD is tools/costestimate's monthly total for
// the environment, and a test fails when the synthesized app's estimate exceeds the
// budget, so a change that makes the environment dearer must raise it in the same pull
// request (whose diff comment says so).
type Spend struct {
	// EstimateUSD is the monthly cost estimate the budget is set from: the environment's
	// total in the README's cost table (`make cost`), rounded up to whole dollars
	// (1–1000000).
	EstimateUSD float64
	// MarginPercent is the headroom above EstimateUSD for what the estimate cannot see
	// (data transfer to the internet, API calls, log storage, growth) (0–100).
	MarginPercent float64
	// AnomalyImpactUSD is the total impact in USD from which a cost anomaly of the
	// environment's resources is sent to the alarm topic at once (1–100000).
	AnomalyImpactUSD float64
}

// BudgetUSD is the monthly budget: EstimateUSD plus MarginPercent, rounded up to whole
// dollars. AWS Budgets alerts at 80 % of it forecast and at 100 % of it spent.
func (s Spend) BudgetUSD() float64 {
	return math.Ceil(s.EstimateUSD*(1+s.MarginPercent/100) - 1e-9)
}

// spendLimits are the ranges Validate allows for Spend.
const (
	maxEstimateUSD      = 1_000_000
	maxMarginPercent    = 100
	maxAnomalyImpactUSD = 100_000
)

func (e Environment) validateSpend(p *problems) {
	s := e.Spend
	// Written so that NaN fails too.
	if !(s.EstimateUSD >= 1 && s.EstimateUSD <= maxEstimateUSD) {
		p.addf("Spend.EstimateUSD", "%s is out of range; allowed: 1 to %d USD a month (the environment's total of `make cost`, rounded up)", plain(s.EstimateUSD), maxEstimateUSD)
	}
	if !(s.MarginPercent >= 0 && s.MarginPercent <= maxMarginPercent) {
		p.addf("Spend.MarginPercent", "%s is out of range; allowed: 0 to %d (percent above Spend.EstimateUSD)", plain(s.MarginPercent), maxMarginPercent)
	}
	if !(s.AnomalyImpactUSD >= 1 && s.AnomalyImpactUSD <= maxAnomalyImpactUSD) {
		p.addf("Spend.AnomalyImpactUSD", "%s is out of range; allowed: 1 to %d USD", plain(s.AnomalyImpactUSD), maxAnomalyImpactUSD)
	} else if budget := s.BudgetUSD(); s.EstimateUSD >= 1 && s.AnomalyImpactUSD >= budget {
		p.addf("Spend.AnomalyImpactUSD", "%s would never alert before the budget does; allowed: less than the budget (%s USD)", plain(s.AnomalyImpactUSD), fmt.Sprint(budget))
	}
}
