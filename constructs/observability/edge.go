package observability

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MonitorCDN declares the distribution's signals: its requests, and an alarm when it
// answers more than percent 5xx. CloudFront metrics live in us-east-1 with Region=Global:
// call it with the edge stack.
func (m *Monitoring) MonitorCDN(scope constructs.Construct, distributionID *string, percent float64) awscloudwatch.Alarm {
	m.Graph(cloudFrontMetric(distributionID, "Requests", "Sum"), Panel{Traffic, "CDN requests"})
	return m.Alarm(scope, "CloudFront5xxRate", cloudFrontMetric(distributionID, "5xxErrorRate", "Average"), Spec{
		Description: fmt.Sprintf("CloudFront answers more than %g %% 5xx: the assets bucket or its policy (OAC) is failing.", percent),
		Threshold:   percent, Comparison: Greater, Periods: 3, DatapointsToAlarm: 2, MissingData: NotBreaching,
	}, Panel{Errors, "CDN 5xx rate (%)"})
}

// HealthProbe is a Route 53 health check of a public HTTPS endpoint from several AWS
// regions, with its alarm.
type HealthProbe struct {
	constructs.Construct
	// Check is the Route 53 health check.
	Check awsroute53.CfnHealthCheck
	// Alarm fires when the endpoint is unhealthy from the outside.
	Alarm awscloudwatch.Alarm
}

// NewHealthProbe probes https://<domain><path> every 30 seconds. Route 53 publishes its
// metrics in us-east-1 only: create it in the edge stack.
func (m *Monitoring) NewHealthProbe(scope constructs.Construct, id, domain, path string) *HealthProbe {
	c := constructs.NewConstruct(scope, jsii.String(id))
	check := awsroute53.NewCfnHealthCheck(c, jsii.String("Check"), &awsroute53.CfnHealthCheckProps{
		HealthCheckConfig: &awsroute53.CfnHealthCheck_HealthCheckConfigProperty{
			Type:                     jsii.String("HTTPS"),
			FullyQualifiedDomainName: jsii.String(domain),
			ResourcePath:             jsii.String(path),
			Port:                     jsii.Number(443),
			EnableSni:                jsii.Bool(true),
			RequestInterval:          jsii.Number(30),
			FailureThreshold:         jsii.Number(3),
			MeasureLatency:           jsii.Bool(true),
		},
		HealthCheckTags: &[]*awsroute53.CfnHealthCheck_HealthCheckTagProperty{{Key: jsii.String("Name"), Value: jsii.String(domain + path)}},
	})
	status := Metric("AWS/Route53", "HealthCheckStatus", "Minimum", Minutes(1), map[string]*string{"HealthCheckId": check.AttrHealthCheckId()})
	alarm := m.Alarm(c, "Alarm", status, Spec{
		Description: fmt.Sprintf("https://%s%s fails from outside AWS for 2 minutes: the API is down for users (DNS, certificate, load balancer or every task).", domain, path),
		Threshold:   1, Comparison: Less, Periods: 2, DatapointsToAlarm: 2, MissingData: Breaching,
	}, Panel{Errors, "External probe of /health (1 = healthy)"})
	return &HealthProbe{Construct: c, Check: check, Alarm: alarm}
}
