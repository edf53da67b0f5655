package observability

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// KPINamespace and the metric names below are what app/ emits as CloudWatch Embedded
// Metric Format lines (app/internal/metrics), with the dimension Environment.
const (
	KPINamespace     = "Garcon"
	MenuViews        = "MenuViews"
	MenuUpdates      = "MenuUpdates"
	UploadsRequested = "UploadsRequested"
	KPIDimensionName = "Environment"
)

// KPI returns one business metric of the environment, summed over 5 minutes.
func KPI(environment, name string) awscloudwatch.Metric {
	return Metric(KPINamespace, name, "Sum", Minutes(5), map[string]*string{KPIDimensionName: jsii.String(environment)})
}

// MonitorKPIs draws the business KPIs and alarms when menu views fall below the band
// CloudWatch anomaly detection learned for this time of day and week: fewer customers
// see menus (a broken release, a failing front end, an outage upstream of the API).
func (m *Monitoring) MonitorKPIs(scope constructs.Construct, missingData awscloudwatch.TreatMissingData) awscloudwatch.Alarm {
	views := KPI(m.environment, MenuViews)
	alarm := awscloudwatch.NewAnomalyDetectionAlarm(scope, jsii.String("MenuViewsDrop"), &awscloudwatch.AnomalyDetectionAlarmProps{
		Metric:             views,
		StdDevs:            jsii.Number(3),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_LOWER_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(3),
		AlarmDescription:   jsii.String("Menu views dropped below their usual band for 15 minutes: check the front end, the API's 5xx rate and recent deployments."),
		TreatMissingData:   missingData,
	})
	m.Add(alarm, views, Panel{Business, "Menu views"})
	m.Graph(KPI(m.environment, MenuUpdates), Panel{Business, "Menu updates"})
	m.Graph(KPI(m.environment, UploadsRequested), Panel{Business, "Uploads requested"})
	return alarm
}
