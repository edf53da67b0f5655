// Package spend watches what an environment costs: an AWS Budgets monthly cost budget
// over the environment's cost-allocation tag, alerting at 80 % forecast and 100 % actual,
// and an AWS Cost Anomaly Detection monitor over the same tag with an immediate alert
// subscription, both notifying the environment's KMS-encrypted alarm topic.
//
// Cost Explorer's resource types (AWS::CE::*) exist in us-east-1 only (CloudFormation
// rejects them as unrecognized elsewhere), so the construct must be created in a
// us-east-1 stack, with that region's topic; the budget sits next to them so that all
// spend alerts come from one place. Both services publish to the topic as service
// principals, which the topic and key policies must name (README, "Budgets and cost
// anomalies").
package spend

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsce"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Region is the only region that has Cost Explorer's CloudFormation resource types.
const Region = "us-east-1"

// Thresholds of the budget's notifications, in percent of the budget.
const (
	// ForecastPercent alerts when the month's forecast passes this share of the budget.
	ForecastPercent = 80
	// ActualPercent alerts when the month's actual cost passes this share of the budget.
	ActualPercent = 100
)

// Service principals that publish spend alerts.
const (
	// BudgetsPrincipal is AWS Budgets.
	BudgetsPrincipal = "budgets.amazonaws.com"
	// CostAlertsPrincipal is AWS Cost Anomaly Detection.
	CostAlertsPrincipal = "costalerts.amazonaws.com"
)

// Props configures Spend.
type Props struct {
	// Name labels the anomaly monitor and subscription, e.g. "garcon-staging".
	Name string
	// Topic receives every alert; it must be in this stack (same account, us-east-1).
	Topic awssns.Topic
	// TopicKey encrypts Topic; Budgets and Cost Anomaly Detection may use it to publish.
	TopicKey awskms.Key
	// TagKey and TagValue are the cost-allocation tag that marks the environment's
	// resources, e.g. "environment" = "staging". The tag must be activated as a
	// cost-allocation tag in the payer account's Billing console.
	TagKey, TagValue string
	// BudgetUSD is the monthly budget in USD (config.Spend.BudgetUSD).
	BudgetUSD float64
	// AnomalyImpactUSD is the total impact in USD from which an anomaly is alerted.
	AnomalyImpactUSD float64
}

// Spend is the budget, the anomaly monitor and its subscription.
type Spend struct {
	constructs.Construct
	// Budget is the monthly cost budget over the environment's tag.
	Budget awsbudgets.CfnBudget
	// Monitor detects cost anomalies of the resources carrying the environment's tag.
	Monitor awsce.CfnAnomalyMonitor
	// Subscription sends each anomaly above AnomalyImpactUSD to Topic at once.
	Subscription awsce.CfnAnomalySubscription
}

// New creates the budget, the monitor and the subscription, and lets AWS Budgets and
// Cost Anomaly Detection publish to the topic.
func New(scope constructs.Construct, id string, props *Props) *Spend {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	allowPublishing(awscdk.Stack_Of(c), props.Topic, props.TopicKey)
	s := &Spend{Construct: c, Budget: newBudget(c, props)}
	s.Monitor, s.Subscription = newAnomalyAlerts(c, props)
	// Both services check at creation that they may publish to the topic.
	for _, r := range []constructs.IConstruct{s.Budget, s.Subscription} {
		r.Node().AddDependency(props.Topic, props.TopicKey)
	}
	return s
}

// TagFilter is the budget's cost filter for the tag: AWS Budgets names user-defined
// cost-allocation tags "user:<key>" and separates key and value with "$".
func TagFilter(key, value string) string { return "user:" + key + "$" + value }

func newBudget(c constructs.Construct, props *Props) awsbudgets.CfnBudget {
	notify := func(kind string, percent float64) *awsbudgets.CfnBudget_NotificationWithSubscribersProperty {
		return &awsbudgets.CfnBudget_NotificationWithSubscribersProperty{
			Notification: &awsbudgets.CfnBudget_NotificationProperty{
				NotificationType: jsii.String(kind), ComparisonOperator: jsii.String("GREATER_THAN"),
				Threshold: jsii.Number(percent), ThresholdType: jsii.String("PERCENTAGE"),
			},
			Subscribers: &[]*awsbudgets.CfnBudget_SubscriberProperty{
				{SubscriptionType: jsii.String("SNS"), Address: props.Topic.TopicArn()},
			},
		}
	}
	// No BudgetName: a budget name is unique in an account, and replacing the budget
	// (its notifications cannot change in place) would clash with a fixed one.
	return awsbudgets.NewCfnBudget(c, jsii.String("Budget"), &awsbudgets.CfnBudgetProps{
		Budget: &awsbudgets.CfnBudget_BudgetDataProperty{
			BudgetType: jsii.String("COST"),
			TimeUnit:   jsii.String("MONTHLY"),
			BudgetLimit: &awsbudgets.CfnBudget_SpendProperty{
				Amount: jsii.Number(props.BudgetUSD), Unit: jsii.String("USD"),
			},
			CostFilters: map[string]any{"TagKeyValue": []string{TagFilter(props.TagKey, props.TagValue)}},
		},
		NotificationsWithSubscribers: &[]*awsbudgets.CfnBudget_NotificationWithSubscribersProperty{
			notify("FORECASTED", ForecastPercent),
			notify("ACTUAL", ActualPercent),
		},
	})
}

func newAnomalyAlerts(c constructs.Construct, props *Props) (awsce.CfnAnomalyMonitor, awsce.CfnAnomalySubscription) {
	// A CUSTOM monitor over the environment's tag: an account holds one DIMENSIONAL
	// (per-service) monitor at most, which AWS creates by itself in new accounts, and two
	// environments may share an account.
	monitor := awsce.NewCfnAnomalyMonitor(c, jsii.String("Monitor"), &awsce.CfnAnomalyMonitorProps{
		MonitorName: jsii.String(props.Name + " spend"),
		MonitorType: jsii.String("CUSTOM"),
		MonitorSpecification: jsonString(map[string]any{"Tags": map[string]any{
			"Key": props.TagKey, "Values": []string{props.TagValue}, "MatchOptions": []string{"EQUALS"},
		}}),
	})
	subscription := awsce.NewCfnAnomalySubscription(c, jsii.String("Subscription"), &awsce.CfnAnomalySubscriptionProps{
		SubscriptionName: jsii.String(props.Name + " spend anomalies"),
		Frequency:        jsii.String("IMMEDIATE"), // the only frequency that notifies SNS
		MonitorArnList:   &[]any{monitor.AttrMonitorArn()},
		Subscribers: &[]*awsce.CfnAnomalySubscription_SubscriberProperty{
			{Type: jsii.String("SNS"), Address: props.Topic.TopicArn()},
		},
		ThresholdExpression: ThresholdExpression(props.AnomalyImpactUSD),
	})
	return monitor, subscription
}

// ThresholdExpression is the subscription's filter: anomalies whose total impact is at
// least usd dollars.
func ThresholdExpression(usd float64) *string {
	return jsonString(map[string]any{"Dimensions": map[string]any{
		"Key":          "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
		"MatchOptions": []string{"GREATER_THAN_OR_EQUAL"},
		"Values":       []string{strconv.FormatFloat(usd, 'f', -1, 64)},
	}})
}

func jsonString(v any) *string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return jsii.String(string(raw))
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	region := awscdk.Stack_Of(scope).Region()
	v.Require(!*awscdk.Token_IsUnresolved(region) && *region == Region, "scope",
		fmt.Sprintf("is in region %q; allowed: a stack in %s, the only region with AWS::CE::AnomalyMonitor", *region, Region))
	v.Require(p.Name != "", "Name", "is empty; allowed: a label such as \"garcon-staging\"")
	v.Require(p.Topic != nil, "Topic", "is nil; allowed: the region's alarm topic")
	v.Require(p.TopicKey != nil, "TopicKey", "is nil; allowed: the key that encrypts Topic")
	v.Require(p.TagKey != "" && !strings.ContainsAny(p.TagKey, "$:"), "TagKey",
		fmt.Sprintf("%q; allowed: a cost-allocation tag key without '$' or ':'", p.TagKey))
	v.Require(p.TagValue != "", "TagValue", "is empty; allowed: the environment's tag value")
	v.Require(p.BudgetUSD >= 1, "BudgetUSD", fmt.Sprintf("%g; allowed: 1 or more USD", p.BudgetUSD))
	v.Require(p.AnomalyImpactUSD >= 1, "AnomalyImpactUSD", fmt.Sprintf("%g; allowed: 1 or more USD", p.AnomalyImpactUSD))
	return v
}
