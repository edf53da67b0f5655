package spend

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

// Statement ids of the policy statements allowPublishing adds; tests look them up.
const (
	BudgetsTopicSid    = "AllowBudgetsToPublish"
	CostAlertsTopicSid = "AllowCostAnomalyDetectionToPublish"
	BudgetsKeySid      = "AllowBudgetsToEncryptAlerts"
	CostAlertsKeySid   = "AllowCostAnomalyDetectionToEncryptAlerts"
)

// allowPublishing adds to the topic's policy and its key's policy what the AWS Cost
// Management User Guide prescribes ("Creating an Amazon SNS topic for budget
// notifications", "… for anomaly notifications", and their "SSE and AWS KMS" sections):
//
//   - sns:Publish for budgets.amazonaws.com with aws:SourceAccount = this account and
//     aws:SourceArn like arn:<partition>:budgets::<account>:* (the guide's form);
//   - sns:Publish for costalerts.amazonaws.com with aws:SourceAccount = this account
//     (the condition the guide gives for Cost Anomaly Detection);
//   - kms:GenerateDataKey* and kms:Decrypt on the key for both principals, as the guide
//     gives them, limited to this account's and region's SNS topics by the encryption
//     context SNS sets on every data key (aws:sns:topicArn). The topic's own ARN cannot be
//     named: the topic refers to the key, so the key's policy naming the topic would be a
//     cycle.
//
// A topic policy replaces the one SNS would apply, so without these statements AWS
// Budgets reports "Invalid SNS topic" and anomaly alerts are dropped.
func allowPublishing(stack awscdk.Stack, topic awssns.Topic, key awskms.Key) {
	account := stack.Account()
	budgets := awsiam.NewServicePrincipal(jsii.String(BudgetsPrincipal), nil)
	costAlerts := awsiam.NewServicePrincipal(jsii.String(CostAlertsPrincipal), nil)
	budgetArns := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("budgets"), Region: jsii.String(""), Resource: jsii.String("*"),
		ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})
	publish := func(sid string, principal awsiam.IPrincipal, conditions map[string]any) {
		topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Principals: &[]awsiam.IPrincipal{principal},
			Actions: jsii.Strings("sns:Publish"), Resources: jsii.Strings(*topic.TopicArn()),
			Conditions: &conditions,
		}))
	}
	publish(BudgetsTopicSid, budgets, map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": account},
		"ArnLike":      map[string]any{"aws:SourceArn": budgetArns},
	})
	publish(CostAlertsTopicSid, costAlerts, map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": account},
	})

	ourTopics := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("sns"), Resource: jsii.String("*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})
	encrypt := func(sid string, principal awsiam.IPrincipal) {
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Principals: &[]awsiam.IPrincipal{principal},
			Actions: jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"), Resources: jsii.Strings("*"),
			Conditions: &map[string]any{"StringLike": map[string]any{"kms:EncryptionContext:aws:sns:topicArn": ourTopics}},
		}), nil)
	}
	encrypt(BudgetsKeySid, budgets)
	encrypt(CostAlertsKeySid, costAlerts)
}
