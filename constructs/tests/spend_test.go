package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/constructs/spend"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestSpendMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		spend.New(stack, "Spend", &spend.Props{TagKey: "user:environment", BudgetUSD: 0.5})
	})
	assert.ElementsMatch(t, []string{
		`scope: is in region "eu-west-3"; allowed: a stack in us-east-1, the only region with AWS::CE::AnomalyMonitor`,
		`Name: is empty; allowed: a label such as "garcon-staging"`,
		"Topic: is nil; allowed: the region's alarm topic",
		"TopicKey: is nil; allowed: the key that encrypts Topic",
		`TagKey: "user:environment"; allowed: a cost-allocation tag key without '$' or ':'`,
		"TagValue: is empty; allowed: the environment's tag value",
		"BudgetUSD: 0.5; allowed: 1 or more USD",
		"AnomalyImpactUSD: 0; allowed: 1 or more USD",
	}, err.Problems)
}

// The budget and the subscription wait for the topic's policy and key: both services
// check at creation that they may publish.
func TestSpendAlertsAreCreatedAfterTheTopicPolicy(t *testing.T) {
	stack := cdktest.Stack(t, "us-east-1")
	topic := observability.NewAlarmTopic(stack, "Alarms", &observability.TopicProps{Emails: []string{"a@example.com"}, AlarmNamePrefix: "Test-"})
	spend.New(stack, "Spend", &spend.Props{Name: "test", Topic: topic.Topic, TopicKey: topic.Key, TagKey: "environment", TagValue: "test", BudgetUSD: 100, AnomalyImpactUSD: 10})
	tpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::Budgets::Budget", "AWS::CE::AnomalySubscription"} {
		for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
			deps, _ := (*r)["DependsOn"].([]any)
			var policy bool
			for _, d := range deps {
				if s, _ := d.(string); len(s) > 17 && s[:17] == "AlarmsTopicPolicy" {
					policy = true
				}
			}
			assert.True(t, policy, "%s %s depends on the topic policy: %v", typ, id, deps)
		}
	}
}
