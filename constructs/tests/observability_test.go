package tests

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestObservabilityMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	topic := cdktest.InvalidProps(t, func() {
		observability.NewAlarmTopic(stack, "AlarmTopic", &observability.TopicProps{AlarmNamePrefix: "*"})
	})
	assert.ElementsMatch(t, []string{
		"Emails: is empty; allowed: one or more addresses",
		`AlarmNamePrefix: "*"; allowed: a literal alarm-name prefix such as "Production-"`,
	}, topic.Problems)

	m := observability.NewMonitoring("test")
	spec := cdktest.InvalidProps(t, func() {
		m.Alarm(stack, "Broken", observability.Metric("NS", "M", "Sum", observability.Minutes(1), nil), observability.Spec{Periods: 1, DatapointsToAlarm: 2},
			observability.Panel{Section: observability.Errors, Title: "x"})
	})
	assert.ElementsMatch(t, []string{
		"Description: is empty; allowed: what is wrong and what to look at first",
		"Comparison: is required; allowed: an awscloudwatch.ComparisonOperator",
		"Periods/DatapointsToAlarm: 1 / 2; allowed: 1 <= DatapointsToAlarm <= Periods",
		"MissingData: is required; allowed: BREACHING or NOT_BREACHING, chosen for the signal",
	}, spec.Problems)
}

func alarmSpec() observability.Spec {
	return observability.Spec{Description: "d", Threshold: 1, Comparison: observability.Greater, Periods: 1, DatapointsToAlarm: 1, MissingData: observability.NotBreaching}
}

// One registration gives the alarm its actions (ALARM and OK, to the topic of its own
// region), hands it back, and draws its very metric on the dashboard.
func TestObservabilityTheFacadeWiresEveryAlarmAndDrawsItsMetric(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	m := observability.NewMonitoring("test")
	noTopic := cdktest.InvalidProps(t, func() {
		m.Alarm(stack, "Early", observability.Metric("NS", "M", "Sum", observability.Minutes(1), nil), alarmSpec(), observability.Panel{Title: "x"})
	})
	assert.Contains(t, noTopic.Error(), "no alarm topic for eu-west-3")

	topic := observability.NewAlarmTopic(stack, "AlarmTopic", &observability.TopicProps{Emails: []string{"ops@example.app"}, AlarmNamePrefix: "Test-"})
	m.NotifyIn(topic.Topic)
	metric := observability.Metric("Garcon/Test", "Signal", "Sum", observability.Minutes(1), nil)
	alarm := m.Alarm(stack, "Signal", metric, alarmSpec(), observability.Panel{Section: observability.Errors, Title: "The signal"})
	require.Equal(t, []awscloudwatch.Alarm{alarm}, m.AlarmsOf(stack))
	cfn := alarm.Node().DefaultChild().(awscloudwatch.CfnAlarm)
	actions := stack.Resolve(cfn.AlarmActions())
	assert.Equal(t, []any{map[string]any{"Ref": *stack.GetLogicalId(topic.Topic.Node().DefaultChild().(awscdk.CfnElement))}}, actions)
	assert.Equal(t, actions, stack.Resolve(cfn.OkActions()), "recovery is notified too")

	body := stack.Resolve(m.NewDashboard(stack, "Dashboard").Node().DefaultChild().(awscloudwatch.CfnDashboard).DashboardBody())
	raw := jsonOf(t, body)
	assert.Contains(t, raw, `The signal`)
	assert.Contains(t, raw, `Garcon/Test`)
	assert.Contains(t, raw, `Signal`)
	assert.Contains(t, raw, `"type\":\"alarm\"`)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		raw, err := jsonMarshal(v)
		require.NoError(t, err)
		return raw
	}
	return s
}

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
