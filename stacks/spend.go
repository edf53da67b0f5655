package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/constructs/spend"
)

// EnvironmentTagKey is the tag every resource of an environment carries with the
// environment's name as value; the budget and the anomaly monitor select by it, so it
// must be activated as a cost-allocation tag (README, "Budgets and cost anomalies").
const EnvironmentTagKey = "environment"

// newSpend creates env's budget and anomaly alerts in stack (us-east-1), notifying topic.
// The budget is config's estimate plus margin: the number tools/costestimate checks.
func newSpend(stack awscdk.Stack, env config.Environment, topic *observability.AlarmTopic) *spend.Spend {
	return spend.New(stack, "Spend", &spend.Props{
		Name:             "garcon-" + env.Name,
		Topic:            topic.Topic,
		TopicKey:         topic.Key,
		TagKey:           EnvironmentTagKey,
		TagValue:         env.Name,
		BudgetUSD:        env.Spend.BudgetUSD(),
		AnomalyImpactUSD: env.Spend.AnomalyImpactUSD,
	})
}
