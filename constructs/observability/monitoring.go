package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Section is a row of the environment's dashboard; sections appear in this order.
type Section int

// The dashboard's sections: the golden signals, then the business KPIs.
const (
	Traffic Section = iota
	Errors
	Latency
	Saturation
	Business
)

var sectionTitles = map[Section]string{
	Traffic: "Traffic", Errors: "Errors", Latency: "Latency", Saturation: "Saturation", Business: "Business KPIs",
}

// Panel places a metric on the dashboard: its section and the title of the graph it is
// drawn in (metrics registered with the same section and title share a graph).
type Panel struct {
	// Section is the dashboard row.
	Section Section
	// Title is the graph's title.
	Title string
}

// Monitoring is the monitoring facade of one environment, in the shape of
// cdk-monitoring-constructs: resources register each signal once — its metric, where it
// is drawn and, for the signals that page, its alarm — and the facade creates the alarm
// with ALARM and OK actions to the topic of the alarm's region, draws the metric, and
// hands back every alarm it made. The dashboard is built from those registrations, so
// an alarm and its graph can never watch different metrics.
type Monitoring struct {
	environment string
	topics      map[string]awssns.ITopic
	alarms      []awscloudwatch.Alarm
	graphs      map[Section][]*graph
}

type graph struct {
	title   string
	metrics []awscloudwatch.IMetric
}

// NewMonitoring starts the monitoring of the named environment (a dashboard title).
func NewMonitoring(environment string) *Monitoring {
	return &Monitoring{environment: environment, topics: map[string]awssns.ITopic{}, graphs: map[Section][]*graph{}}
}

// NotifyIn makes topic the target of every alarm created in the topic's region.
func (m *Monitoring) NotifyIn(topic awssns.ITopic) {
	m.topics[*awscdk.Stack_Of(topic).Region()] = topic
}

// Alarm creates, as scope's child id, an alarm on metric as spec says, with actions to
// the topic of scope's region, and draws metric in panel.
func (m *Monitoring) Alarm(scope constructs.Construct, id string, metric awscloudwatch.IMetric, spec Spec, panel Panel) awscloudwatch.Alarm {
	spec.validate(scope, id).Check()
	alarm := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		AlarmDescription:   jsii.String(spec.Description),
		Threshold:          jsii.Number(spec.Threshold),
		ComparisonOperator: spec.Comparison,
		EvaluationPeriods:  jsii.Number(spec.Periods),
		DatapointsToAlarm:  jsii.Number(spec.DatapointsToAlarm),
		TreatMissingData:   spec.MissingData,
	})
	return m.Add(alarm, metric, panel)
}

// Add takes an alarm made elsewhere (an anomaly-detection alarm, a service's deployment
// alarms, which it names itself), gives it actions to the topic of its region and draws
// metric, the alarm's metric, in panel.
func (m *Monitoring) Add(alarm awscloudwatch.Alarm, metric awscloudwatch.IMetric, panel Panel) awscloudwatch.Alarm {
	region := *awscdk.Stack_Of(alarm).Region()
	topic, ok := m.topics[region]
	if !ok {
		panic(&validation.Error{Path: *alarm.Node().Path(), Problems: []string{
			fmt.Sprintf("alarm: no alarm topic for %s; allowed: Monitoring.NotifyIn a topic of the alarm's region first", region)}})
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	m.alarms = append(m.alarms, alarm)
	m.Graph(inRegion(metric, region), panel)
	return alarm
}

// Graph draws metric in panel, without an alarm.
func (m *Monitoring) Graph(metric awscloudwatch.IMetric, panel Panel) {
	for _, g := range m.graphs[panel.Section] {
		if g.title == panel.Title {
			g.metrics = append(g.metrics, metric)
			return
		}
	}
	m.graphs[panel.Section] = append(m.graphs[panel.Section], &graph{title: panel.Title, metrics: []awscloudwatch.IMetric{metric}})
}

// Alarms returns every alarm the facade made or took, in that order.
func (m *Monitoring) Alarms() []awscloudwatch.Alarm {
	return append([]awscloudwatch.Alarm(nil), m.alarms...)
}

// AlarmsOf returns the alarms that live in stack.
func (m *Monitoring) AlarmsOf(stack awscdk.Stack) []awscloudwatch.Alarm {
	var out []awscloudwatch.Alarm
	for _, a := range m.alarms {
		if *awscdk.Stack_Of(a).Node().Path() == *stack.Node().Path() {
			out = append(out, a)
		}
	}
	return out
}

// inRegion pins a plain metric to region, so a dashboard of another region draws it
// from where it is published (CloudFront, Route 53 and CLOUDFRONT-scope WAF metrics are
// in us-east-1). Metric math is left alone: the project only alarms on math in the
// dashboard's own region.
func inRegion(metric awscloudwatch.IMetric, region string) awscloudwatch.IMetric {
	if m, ok := metric.(awscloudwatch.Metric); ok {
		return m.With(&awscloudwatch.MetricOptions{Region: jsii.String(region)})
	}
	return metric
}

// Spec describes one alarm.
type Spec struct {
	// Description says what is wrong and what to look at first.
	Description string
	// Threshold is compared with the metric.
	Threshold float64
	// Comparison is how; e.g. GREATER_THAN_THRESHOLD.
	Comparison awscloudwatch.ComparisonOperator
	// Periods and DatapointsToAlarm: "DatapointsToAlarm out of Periods" breaching.
	Periods int
	// DatapointsToAlarm of the last Periods must breach.
	DatapointsToAlarm int
	// MissingData is chosen per alarm: an error rate with no traffic is fine
	// (NOT_BREACHING); a health signal that stops reporting is not (BREACHING).
	MissingData awscloudwatch.TreatMissingData
}

func (s Spec) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(s.Description != "", "Description", "is empty; allowed: what is wrong and what to look at first")
	v.Require(s.Comparison != "", "Comparison", "is required; allowed: an awscloudwatch.ComparisonOperator")
	v.Require(s.Periods >= 1 && s.DatapointsToAlarm >= 1 && s.DatapointsToAlarm <= s.Periods, "Periods/DatapointsToAlarm",
		fmt.Sprintf("%d / %d; allowed: 1 <= DatapointsToAlarm <= Periods", s.Periods, s.DatapointsToAlarm))
	v.Require(s.MissingData != "", "MissingData", "is required; allowed: BREACHING or NOT_BREACHING, chosen for the signal")
	return v
}
