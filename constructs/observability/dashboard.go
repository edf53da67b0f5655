package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// graphsPerRow is how many graphs share a dashboard row (24 columns, 8 each).
const graphsPerRow = 3

// NewDashboard creates, as scope's child id, the environment's dashboard from everything
// registered so far: the status of the alarms of scope's region first, then one row of
// graphs per section — traffic, errors, latency, saturation, business KPIs — each graph
// drawing exactly the metrics registered for it (those of alarms included). Create it
// after every resource has registered its signals.
func (m *Monitoring) NewDashboard(scope constructs.Construct, id string) awscloudwatch.Dashboard {
	dashboard := awscloudwatch.NewDashboard(scope, jsii.String(id), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	region := *awscdk.Stack_Of(scope).Region()
	var status []interfacesawscloudwatch.IAlarmRef
	for _, a := range m.alarms {
		// The alarm-status widget shows alarms of the dashboard's own region.
		if *awscdk.Stack_Of(a).Region() == region {
			status = append(status, a)
		}
	}
	dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String(fmt.Sprintf("Garçon %s: alarms", m.environment)), Alarms: &status, Width: jsii.Number(24), Height: jsii.Number(4),
	}))
	for section := Traffic; section <= Business; section++ {
		graphs := m.graphs[section]
		if len(graphs) == 0 {
			continue
		}
		dashboard.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
			Markdown: jsii.String("## " + sectionTitles[section]), Width: jsii.Number(24), Height: jsii.Number(1),
		}))
		for start := 0; start < len(graphs); start += graphsPerRow {
			var row []awscloudwatch.IWidget
			for _, g := range graphs[start:min(start+graphsPerRow, len(graphs))] {
				metrics := g.metrics
				row = append(row, awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
					Title: jsii.String(g.title), Left: &metrics, Width: jsii.Number(24 / graphsPerRow), Height: jsii.Number(6),
				}))
			}
			dashboard.AddWidgets(row...)
		}
	}
	return dashboard
}

// cloudFrontMetric is a metric of a CloudFront distribution, which CloudFront publishes
// in us-east-1 with Region=Global. It names the distribution: a SEARCH over the account
// would mix the distributions of environments sharing an account.
func cloudFrontMetric(distributionID *string, metric, statistic string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/CloudFront"), MetricName: jsii.String(metric), Statistic: jsii.String(statistic),
		DimensionsMap: &map[string]*string{"DistributionId": distributionID, "Region": jsii.String("Global")},
		Region:        jsii.String("us-east-1"),
		Period:        Minutes(5),
	})
}
