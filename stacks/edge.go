package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/edge"
	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/constructs/spend"
	"github.com/garcon/infrastructure/constructs/waf"
)

// EdgeRegion is where CloudFront requires certificates and WAF web ACLs to live.
const EdgeRegion = "us-east-1"

// priceClasses maps config.Edge.PriceClass to the CDK enum.
var priceClasses = map[string]awscloudfront.PriceClass{
	"PriceClass_100": awscloudfront.PriceClass_PRICE_CLASS_100,
	"PriceClass_200": awscloudfront.PriceClass_PRICE_CLASS_200,
	"PriceClass_All": awscloudfront.PriceClass_PRICE_CLASS_ALL,
}

// EdgeStack holds everything CloudFront needs, in us-east-1, so no reference crosses
// regions.
type EdgeStack struct {
	awscdk.Stack
	// Edge is the assets bucket and its distribution.
	Edge *edge.Edge
	// WebACL is the CLOUDFRONT-scope web ACL.
	WebACL *waf.WebACL
	// Alarms are the CDN's, the CloudFront WAF's and the external API probe's; CloudFront
	// and Route 53 health checks publish their metrics in us-east-1 only.
	Alarms []awscloudwatch.Alarm
	// Probe checks https://<api host>/health from outside AWS's network.
	Probe *observability.HealthProbe
	// Spend is the environment's cost budget and anomaly alerts: Cost Explorer's resources
	// exist in us-east-1 only, so they notify this region's topic.
	Spend *spend.Spend
}

// NewEdgeStack creates the edge stack of env in us-east-1; its DNS records go into
// dnsStack's static zone, or the parent zone when dnsStack is nil.
func NewEdgeStack(scope constructs.Construct, id string, env config.Environment, dnsStack *DNSStack, monitoring *observability.Monitoring) *EdgeStack {
	props := stackProps(env, "CloudFront static assets, certificate and WAF")
	props.Env = &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(EdgeRegion)}
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	var zone awsroute53.IHostedZone
	if dnsStack != nil {
		// Route 53 is global; the zone's id is read from the Dns stack of the primary
		// region (a weak, deploy-time reference: Fn::GetStackOutput with its Region).
		zone = dnsStack.Zones.Static
	} else {
		zone = parentZone(stack, env)
	}
	// The environment's Data key lives in its primary region; the WAF logs of us-east-1
	// get a key of their own.
	logsKey := keys.NewLogsKey(stack, "LogsKey", &keys.Props{
		Description: fmt.Sprintf("Garçon %s: CloudFront WAF logs (us-east-1)", env.Name), RemovalPolicy: removalPolicy(env),
	})
	acl := waf.New(stack, "Waf", &waf.Props{
		Scope:            waf.ScopeCloudFront,
		Name:             fmt.Sprintf("garcon-%s-static", env.Name),
		RateLimit:        env.Edge.WafRateLimit,
		LogRetention:     retentionDays(env.Logs.RetentionDays),
		LogEncryptionKey: logsKey,
		RemovalPolicy:    removalPolicy(env),
	})
	assets := edge.New(stack, "Static", &edge.Props{
		HostedZone:       zone,
		DomainName:       env.StaticDomain(),
		PriceClass:       priceClasses[env.Edge.PriceClass],
		WebACLArn:        acl.ACL.AttrArn(),
		LogRetentionDays: env.Logs.RetentionDays,
		RemovalPolicy:    removalPolicy(env),
	})
	topic := observability.NewAlarmTopic(stack, "AlarmTopic", &observability.TopicProps{
		Emails: env.Alarms.Emails, AlarmNamePrefix: alarmNamePrefix(env), RemovalPolicy: removalPolicy(env),
	})
	monitoring.NotifyIn(topic.Topic)
	costs := newSpend(stack, env, topic)
	probe := monitoring.NewHealthProbe(stack, "ApiProbe", env.APIDomain(), "/health")
	monitoring.MonitorCDN(stack, assets.Distribution.DistributionId(), env.Alarms.HTTP5xxPercent)
	monitoring.WafBlocked(stack, "WafBlockedSpike", acl.ACLMetric, nil, env.Alarms.WafBlockedPer5Minutes)

	watchProducers(stack, dnsStackOf(dnsStack))
	keys.EncryptLogGroups(stack, logsKey)
	output(stack, "AssetsBucketName", *assets.Assets.BucketName(), "Bucket the front-end pipeline uploads static assets to")
	output(stack, "DistributionId", *assets.Distribution.DistributionId(), "CloudFront distribution to invalidate after an upload")
	output(stack, "DistributionDomainName", *assets.Distribution.DistributionDomainName(), "CloudFront domain of the distribution")
	output(stack, "StaticUrl", "https://"+assets.DomainName, "Public URL of the static assets")
	return &EdgeStack{Stack: stack, Edge: assets, WebACL: acl, Alarms: monitoring.AlarmsOf(stack), Probe: probe, Spend: costs}
}
