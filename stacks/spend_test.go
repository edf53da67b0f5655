package stacks_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/spend"
	"github.com/garcon/infrastructure/stacks"
)

// The budget is config's estimate plus margin, monthly, over the environment tag the
// stage puts on every resource, and notifies the us-east-1 topic at 80 % forecast and
// 100 % actual.
func TestBudgetPerEnvironment(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::Budgets::Budget"), jsii.Number(1))
		topic := map[string]any{"Ref": topicID(t, env.Edge.Stack)}
		notify := func(kind string, percent float64) map[string]any {
			return map[string]any{
				"Notification": map[string]any{"NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": percent, "ThresholdType": "PERCENTAGE"},
				"Subscribers":  []any{map[string]any{"SubscriptionType": "SNS", "Address": topic}},
			}
		}
		tpl.HasResourceProperties(jsii.String("AWS::Budgets::Budget"), map[string]any{
			"Budget": map[string]any{
				"BudgetType": "COST", "TimeUnit": "MONTHLY",
				"BudgetLimit": map[string]any{"Amount": env.Config.Spend.BudgetUSD(), "Unit": "USD"},
				"CostFilters": map[string]any{"TagKeyValue": []any{"user:environment$" + env.Config.Name}},
			},
			"NotificationsWithSubscribers": []any{notify("FORECASTED", 80), notify("ACTUAL", 100)},
		})
	})
}

// The budget filters by the very tag the stage puts on the resources it budgets.
func TestBudgetFiltersByTheTagTheResourcesCarry(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tags := map[string]any{}
		for _, r := range resourcesOf(env.Data.Stack, "AWS::RDS::DBInstance") {
			for _, tag := range r["Properties"].(map[string]any)["Tags"].([]any) {
				kv := tag.(map[string]any)
				tags[kv["Key"].(string)] = kv["Value"]
			}
		}
		require.Contains(t, tags, stacks.EnvironmentTagKey)
		want := spend.TagFilter(stacks.EnvironmentTagKey, tags[stacks.EnvironmentTagKey].(string))
		for _, b := range resourcesOf(env.Edge.Stack, "AWS::Budgets::Budget") {
			filters := b["Properties"].(map[string]any)["Budget"].(map[string]any)["CostFilters"].(map[string]any)
			assert.Equal(t, []any{want}, filters["TagKeyValue"])
		}
	})
}

// A custom anomaly monitor over the environment tag (an account has at most one
// per-service monitor), and an immediate subscription to the topic from config's impact.
func TestCostAnomalyMonitorAndSubscription(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		assert.Equal(t, "us-east-1", *env.Edge.Region(), "AWS::CE::* exists in us-east-1 only")
		tpl.ResourceCountIs(jsii.String("AWS::CE::AnomalyMonitor"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::CE::AnomalySubscription"), jsii.Number(1))
		for _, m := range resourcesOf(env.Edge.Stack, "AWS::CE::AnomalyMonitor") {
			props := m["Properties"].(map[string]any)
			assert.Equal(t, "CUSTOM", props["MonitorType"])
			var spec map[string]any
			require.NoError(t, json.Unmarshal([]byte(props["MonitorSpecification"].(string)), &spec))
			assert.Equal(t, map[string]any{"Tags": map[string]any{
				"Key": "environment", "Values": []any{env.Config.Name}, "MatchOptions": []any{"EQUALS"},
			}}, spec)
		}
		for _, s := range resourcesOf(env.Edge.Stack, "AWS::CE::AnomalySubscription") {
			props := s["Properties"].(map[string]any)
			assert.Equal(t, "IMMEDIATE", props["Frequency"])
			assert.Equal(t, []any{map[string]any{"Type": "SNS", "Address": map[string]any{"Ref": topicID(t, env.Edge.Stack)}}}, props["Subscribers"])
			var expr map[string]any
			require.NoError(t, json.Unmarshal([]byte(props["ThresholdExpression"].(string)), &expr))
			assert.Equal(t, map[string]any{"Dimensions": map[string]any{
				"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": []any{"GREATER_THAN_OR_EQUAL"},
				"Values": []any{jsonNumber(env.Config.Spend.AnomalyImpactUSD)},
			}}, expr)
		}
	})
}

// Budgets and Cost Anomaly Detection may publish to the topic (the topic policy replaces
// SNS's default), each only for this account, and Budgets only for its budgets.
func TestSpendServicesMayPublishToTheTopic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		account := env.Config.Account
		statements := topicStatements(t, env)
		budgets := statements[spend.BudgetsTopicSid]
		require.NotNil(t, budgets)
		assert.Equal(t, map[string]any{"Service": "budgets.amazonaws.com"}, budgets["Principal"])
		assert.Equal(t, "sns:Publish", budgets["Action"])
		assert.Equal(t, map[string]any{"Ref": topicID(t, env.Edge.Stack)}, budgets["Resource"])
		cond := budgets["Condition"].(map[string]any)
		assert.Equal(t, map[string]any{"aws:SourceAccount": account}, cond["StringEquals"])
		assert.Equal(t, "arn:aws:budgets::"+account+":*", resolvedArn(cond["ArnLike"].(map[string]any)["aws:SourceArn"]))

		costAlerts := statements[spend.CostAlertsTopicSid]
		require.NotNil(t, costAlerts)
		assert.Equal(t, map[string]any{"Service": "costalerts.amazonaws.com"}, costAlerts["Principal"])
		assert.Equal(t, "sns:Publish", costAlerts["Action"])
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}}, costAlerts["Condition"])
	})
}

// Publishing to the encrypted topic needs its key: both services may generate data keys
// and decrypt, for this account's and region's SNS topics only.
func TestSpendServicesMayUseTheTopicKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		keys := resourcesOf(env.Edge.Stack, "AWS::KMS::Key")
		found := map[string]bool{}
		for _, k := range keys {
			for _, raw := range k["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				s := raw.(map[string]any)
				sid, _ := s["Sid"].(string)
				if sid != spend.BudgetsKeySid && sid != spend.CostAlertsKeySid {
					continue
				}
				found[sid] = true
				want := map[string]string{spend.BudgetsKeySid: "budgets.amazonaws.com", spend.CostAlertsKeySid: "costalerts.amazonaws.com"}[sid]
				assert.Equal(t, map[string]any{"Service": want}, s["Principal"])
				assert.ElementsMatch(t, []string{"kms:GenerateDataKey*", "kms:Decrypt"}, strs(s["Action"]))
				assert.Equal(t, "*", s["Resource"])
				like := s["Condition"].(map[string]any)["StringLike"].(map[string]any)
				assert.Equal(t, "arn:aws:sns:us-east-1:"+env.Config.Account+":*", resolvedArn(like["kms:EncryptionContext:aws:sns:topicArn"]))
			}
		}
		assert.Len(t, found, 2, "both statements are on the topic's key")
	})
}

func topicStatements(t *testing.T, env *stacks.Environment) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, p := range resourcesOf(env.Edge.Stack, "AWS::SNS::TopicPolicy") {
		for _, raw := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := raw.(map[string]any)
			if sid, ok := s["Sid"].(string); ok {
				out[sid] = s
			}
		}
	}
	return out
}

func jsonNumber(v float64) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
