package restoretest

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// FailedRestorePattern matches AWS Backup's event for a restore job that failed. Restore
// job events carry the job's "status" (backup and copy job events say "state"), as the
// AWS Backup API does (DescribeRestoreJob: PENDING, RUNNING, COMPLETED, ABORTED, FAILED).
func FailedRestorePattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.backup"),
		DetailType: jsii.Strings("Restore Job State Change"),
		Detail:     &map[string]any{"status": []string{"FAILED"}},
	}
}

// failedRestoreRule sends every failed restore job of the account and region (restore
// tests and restores by hand alike) to topic as a readable message. It is the L1 rule:
// the L2's SNS target cannot tell that a topic imported by a token ARN is in the rule's
// own account and region, and warns.
func failedRestoreRule(c constructs.Construct, name string, topic *string) awsevents.CfnRule {
	p := FailedRestorePattern()
	return awsevents.NewCfnRule(c, jsii.String("FailedRestores"), &awsevents.CfnRuleProps{
		Name:        jsii.String(name),
		Description: jsii.String("AWS Backup restore job FAILED (restore tests included): notify the alarm topic"),
		State:       jsii.String("ENABLED"),
		EventPattern: map[string]any{
			"source": p.Source, "detail-type": p.DetailType, "detail": p.Detail,
		},
		Targets: &[]*awsevents.CfnRule_TargetProperty{{
			Id:  jsii.String("AlarmTopic"),
			Arn: topic,
			InputTransformer: &awsevents.CfnRule_InputTransformerProperty{
				InputPathsMap: &map[string]*string{
					"job": jsii.String("$.detail.restoreJobId"), "type": jsii.String("$.detail.resourceType"),
					"region": jsii.String("$.region"), "message": jsii.String("$.detail.statusMessage"),
				},
				InputTemplate: jsii.String(`"AWS Backup restore job <job> (<type>) FAILED in <region>: <message>. Runbook: README, Restore testing."`),
			},
		}},
	})
}

// RuleArn formats the ARN of the rule named name in stack's account and region. The
// topic's stack formats it from the name alone, so its policy does not depend on the
// stack that creates the rule.
func RuleArn(stack awscdk.Stack, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("events"), Resource: jsii.String("rule"), ResourceName: jsii.String(name),
		ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// AllowFailedRestoreAlarms lets EventBridge publish the rule ruleArn's events to topic,
// encrypted with key. A topic policy replaces SNS's default one, and an encrypted topic
// needs its key too: without both statements the rule would fire into nothing. Both are
// limited to this one rule (aws:SourceArn) of this account.
func AllowFailedRestoreAlarms(topic awssns.Topic, key awskms.Key, ruleArn *string) {
	events := awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)
	fromRule := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(topic).Account()},
		"ArnEquals":    map[string]any{"aws:SourceArn": ruleArn},
	}
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowFailedRestoreRuleToPublish"),
		Principals: &[]awsiam.IPrincipal{events},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &fromRule,
	}))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowFailedRestoreRuleToEncrypt"),
		Principals: &[]awsiam.IPrincipal{events},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &fromRule,
	}), nil)
}
