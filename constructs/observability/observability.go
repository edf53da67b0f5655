// Package observability provides the monitoring of an environment, in the shape of
// cdk-monitoring-constructs (which has no Go build): an encrypted SNS topic per region,
// the Monitoring facade that creates every alarm with its actions and draws every signal
// on one dashboard from a single metric definition, and per-resource signal sets (API,
// database, cache, CDN, WAF, external probe, business KPIs) that the stacks declare next
// to the resource they watch.
package observability

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/internal/validation"
)

// TopicProps configures an AlarmTopic.
type TopicProps struct {
	// Emails are subscribed to the topic (each must confirm the subscription once).
	Emails []string
	// AlarmNamePrefix limits which alarms may publish: only CloudWatch alarms of this
	// account and region whose names start with it (CloudFormation names an alarm
	// "<stack name>-<logical id>-<suffix>", so the stage name followed by "-" covers every
	// stack of an environment). It guards against the confused deputy: CloudWatch acting
	// for someone else's alarm.
	AlarmNamePrefix string
	// RemovalPolicy applies to the topic's key.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// AlarmTopic is the KMS-encrypted SNS topic alarms of one region notify.
type AlarmTopic struct {
	constructs.Construct
	// Topic receives ALARM and OK notifications.
	Topic awssns.Topic
	// Key encrypts the topic; CloudWatch may use it to publish.
	Key awskms.Key
}

// NewAlarmTopic creates the topic, its key and the e-mail subscriptions.
//
// A topic policy replaces the default one SNS would apply, and EnforceSSL writes one, so
// the policy must say who may publish: CloudWatch, for this environment's alarms only.
// Publishing to an encrypted topic also needs the key, hence the matching key statement.
func NewAlarmTopic(scope constructs.Construct, id string, props *TopicProps) *AlarmTopic {
	v := validation.For(scope, id)
	v.Require(len(props.Emails) > 0, "Emails", "is empty; allowed: one or more addresses")
	v.Require(props.AlarmNamePrefix != "" && !strings.ContainsAny(props.AlarmNamePrefix, "*?"), "AlarmNamePrefix",
		fmt.Sprintf("%q; allowed: a literal alarm-name prefix such as \"Production-\"", props.AlarmNamePrefix))
	v.Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	stack := awscdk.Stack_Of(c)
	fromOurAlarms := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"),
			ResourceName: jsii.String(props.AlarmNamePrefix + "*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	cloudWatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	key := keys.New(c, "Key", &keys.Props{Description: "Garçon alarm notifications", RemovalPolicy: removal})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{cloudWatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &fromOurAlarms,
	}), nil)
	topic := awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("Garcon alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsOfThisEnvironment"),
		Principals: &[]awsiam.IPrincipal{cloudWatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &fromOurAlarms,
	}))
	for _, email := range props.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return &AlarmTopic{Construct: c, Topic: topic, Key: key}
}

// Metric is a shorthand for a CloudWatch metric with a statistic and period.
func Metric(namespace, name, statistic string, period awscdk.Duration, dimensions map[string]*string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(namespace),
		MetricName:    jsii.String(name),
		Statistic:     jsii.String(statistic),
		Period:        period,
		DimensionsMap: &dimensions,
	})
}

// Minutes is a Duration of n minutes.
func Minutes(n float64) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(n)) }

// Greater alarms above the threshold; GreaterOrEqual, Less and LessOrEqual likewise.
var (
	Greater        = awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD
	GreaterOrEqual = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	Less           = awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD
	NotBreaching   = awscloudwatch.TreatMissingData_NOT_BREACHING
	Breaching      = awscloudwatch.TreatMissingData_BREACHING
)
