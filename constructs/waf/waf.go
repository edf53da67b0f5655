// Package waf provides a WAFv2 web ACL with the AWS managed rule groups every public
// endpoint of the project gets, a per-IP rate limit, and logging with credentials
// redacted. The same construct serves the regional ACL of the load balancer and the
// CLOUDFRONT-scope ACL of the distribution.
package waf

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Scope is where the web ACL can be attached.
type Scope string

const (
	// ScopeRegional protects load balancers and API Gateway stages in the stack's region.
	ScopeRegional Scope = "REGIONAL"
	// ScopeCloudFront protects CloudFront distributions; the stack must be in us-east-1.
	ScopeCloudFront Scope = "CLOUDFRONT"
)

// LogGroupPrefix starts the name of every log group WAF may deliver logs to.
const LogGroupPrefix = "aws-waf-logs-"

// ManagedRuleGroups are the AWS managed rule groups of every ACL, in priority order.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// Props configures a WebACL.
type Props struct {
	// Scope is REGIONAL or CLOUDFRONT.
	Scope Scope
	// Name is used in metric names and in the log group name, which WAF requires to start
	// with LogGroupPrefix; e.g. "garcon-staging-api".
	Name string
	// RateLimit is the number of requests one IP may send in 5 minutes before it is blocked.
	RateLimit int
	// LogRetention is how long WAF logs are kept.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the WAF logs; its policy must admit CloudWatch Logs of the
	// web ACL's region (keys.NewLogsKey).
	LogEncryptionKey awskms.IKey
	// RemovalPolicy applies to the log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// CountOnlyRules are managed rules switched from block to count, because the service
	// validates that input itself (e.g. "SizeRestrictions_BODY" for bodies over 8 KiB).
	// Default: none.
	CountOnlyRules []string
}

// WebACL is a WAFv2 web ACL with logging.
type WebACL struct {
	constructs.Construct
	// ACL is the web ACL; associate it with a load balancer (Associate) or pass its ARN
	// to a distribution.
	ACL awswafv2.CfnWebACL
	// LogGroup receives the ACL's logs, with the Authorization header redacted.
	LogGroup awslogs.LogGroup
	// RateRuleMetric is the CloudWatch metric name of the rate-based rule.
	RateRuleMetric string
	// ACLMetric is the web ACL's metric name: the WebACL dimension of its AWS/WAFV2 metrics.
	ACLMetric string
}

// New creates the web ACL and its logging.
func New(scope constructs.Construct, id string, props *Props) *WebACL {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	metric := func(suffix string) string {
		return strings.ReplaceAll(props.Name+"-"+suffix, "_", "-")
	}

	rateMetric := metric("rate-limit")
	rules := []any{&awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("rate-limit-per-ip"),
		Priority: jsii.Number(1), // before the managed groups: cheapest and stops floods first
		Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
		Statement: &awswafv2.CfnWebACL_StatementProperty{
			RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit:               jsii.Number(props.RateLimit),
				AggregateKeyType:    jsii.String("IP"),
				EvaluationWindowSec: jsii.Number(300),
			},
		},
		VisibilityConfig: visibility(rateMetric),
	}}

	for i, group := range ManagedRuleGroups {
		overrides := []any{}
		if group == "AWSManagedRulesCommonRuleSet" {
			for _, rule := range props.CountOnlyRules {
				overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
					Name:        jsii.String(rule),
					ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
				})
			}
		}
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:           jsii.String(group),
			Priority:       jsii.Number(10 + i),
			OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName:          jsii.String("AWS"),
					Name:                jsii.String(group),
					RuleActionOverrides: &overrides,
				},
			},
			VisibilityConfig: visibility(metric(group)),
		})
	}
	aclMetric := metric("acl")
	acl := awswafv2.NewCfnWebACL(c, jsii.String("Acl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String(string(props.Scope)),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		Description:      jsii.String("Garcon " + props.Name + ": AWS managed rules and a per-IP rate limit"), // WAF descriptions are ASCII only
		Rules:            &rules,
		VisibilityConfig: visibility(aclMetric),
	})

	// WAF only delivers to log groups whose name starts with "aws-waf-logs-", so the name
	// cannot be left to CloudFormation. It ends with the stack's unique id: the group may be
	// retained when its stack is deleted, and a fixed name would make the recreated stack
	// fail on "already exists".
	stackUUID := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Stack_Of(c).StackId(), nil))
	logGroup := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(LogGroupPrefix + props.Name + "-"), stackUUID}),
		Retention:     props.LogRetention,
		EncryptionKey: props.LogEncryptionKey,
		RemovalPolicy: removal,
	})
	// WAF wants the log group ARN without the ":*" suffix LogGroupArn() carries.
	logGroupArn := awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("logs"),
		Resource:     jsii.String("log-group"),
		ResourceName: logGroup.LogGroupName(),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	awswafv2.NewCfnLoggingConfiguration(c, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]any{logGroupArn},
		// Bearer tokens must never reach the logs.
		RedactedFields: &[]any{&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{
			SingleHeader: map[string]any{"Name": "authorization"},
		}},
	})
	return &WebACL{Construct: c, ACL: acl, LogGroup: logGroup, RateRuleMetric: rateMetric, ACLMetric: aclMetric}
}

// Associate attaches the (regional) ACL to a resource such as a load balancer.
func (w *WebACL) Associate(id string, resourceArn *string) {
	awswafv2.NewCfnWebACLAssociation(w.Construct, jsii.String(id), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: resourceArn,
		WebAclArn:   w.ACL.AttrArn(),
	})
}

func visibility(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(metric),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}

// namePattern keeps a name valid in WAF metric names and log group names.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,100}$`)

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Scope == ScopeRegional || p.Scope == ScopeCloudFront, "Scope", fmt.Sprintf("is %q; allowed: REGIONAL, CLOUDFRONT", p.Scope))
	v.Require(p.RateLimit >= 100 && p.RateLimit <= 2_000_000_000, "RateLimit", fmt.Sprintf("is %d; allowed: 100 to 2000000000", p.RateLimit))
	v.Require(namePattern.MatchString(p.Name), "Name", fmt.Sprintf("%q; allowed: lower-case letters, digits and '-', e.g. garcon-staging-api", p.Name))
	v.Require(p.LogRetention != "", "LogRetention", "is required; allowed: an awslogs.RetentionDays")
	v.Require(p.LogEncryptionKey != nil, "LogEncryptionKey", "is required; allowed: a customer-managed KMS key whose policy admits CloudWatch Logs (keys.NewLogsKey)")
	return v
}
