package restoretest

import (
	_ "embed" // the validation function's code
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ValidationCode is the validation function's Python source (validate.py), embedded
// so that it is linted and unit-tested as Python too.
//
//go:embed validate.py
var ValidationCode string

// RestoredNamePrefix starts the name AWS Backup infers for a restore test's database
// instance and bucket (restore testing inferred metadata: dbInstanceIdentifier and
// destinationBucketName).
const RestoredNamePrefix = "awsbackup-restore-test-"

// Validation checks every completed restore job of the plan and reports the result
// to AWS Backup (PutRestoreValidationResult).
type Validation struct {
	// Function validates one restore job.
	Function awslambda.Function
	// Rule invokes Function for the plan's COMPLETED restore jobs.
	Rule awsevents.Rule
	// Logs is the function's log group.
	Logs awslogs.LogGroup
	// Failed notifies the alarm topic when a validation fails or cannot be reported.
	Failed awscloudwatch.Alarm
}

// CompletedRestorePattern matches AWS Backup's event for a restore job of plan that
// completed (restore job events name their plan in restoreTestingPlanArn).
func CompletedRestorePattern(planArn *string) *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.backup"),
		DetailType: jsii.Strings("Restore Job State Change"),
		Detail:     &map[string]any{"status": []string{"COMPLETED"}, "restoreTestingPlanArn": []*string{planArn}},
	}
}

// newValidation creates the function, its role, log group, rule and alarm.
func newValidation(c constructs.Construct, rt *RestoreTest, props *Props) *Validation {
	v := &Validation{}
	v.Logs = awslogs.NewLogGroup(c, jsii.String("ValidationLogs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		EncryptionKey: props.LogKey,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	v.Function = awslambda.NewFunction(c, jsii.String("Validation"), &awslambda.FunctionProps{
		Description: jsii.String("AWS Backup restore testing: validate a restored copy and report the result"),
		Runtime:     awslambda.Runtime_PYTHON_3_13(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(ValidationCode)),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(1)),
		Role:        validationRole(c, v.Logs),
		LogGroup:    v.Logs,
		// A validation status cannot be changed once set: a retry could only fail again.
		RetryAttempts: jsii.Number(0),
		Environment: &map[string]*string{
			"PLAN_ARN":       rt.Plan.AttrRestoreTestingPlanArn(),
			"SUBNET_GROUP":   rt.SubnetGroup.SubnetGroupName(),
			"SECURITY_GROUP": rt.SecurityGroup.SecurityGroupId(),
		},
	})
	suppressValidationFindings(v.Function)
	v.Rule = awsevents.NewRule(c, jsii.String("CompletedRestores"), &awsevents.RuleProps{
		Description:  jsii.String("AWS Backup restore job COMPLETED for this environment's restore testing plan: validate it"),
		EventPattern: CompletedRestorePattern(rt.Plan.AttrRestoreTestingPlanArn()),
		Targets:      &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(v.Function, nil)},
	})
	v.Failed = validationAlarm(c, v.Function, props)
	return v
}

// validationRole may write the function's logs, read the restore job and report its
// validation, and look at the restored copies' configuration: no KMS key, no object
// read, no database connection, so nothing of the backed-up data.
func validationRole(c constructs.Construct, logs awslogs.LogGroup) awsiam.Role {
	stack := awscdk.Stack_Of(c)
	role := awsiam.NewRole(c, jsii.String("ValidationRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("AWS Backup restore testing: validate the restored copies (configuration only)"),
	})
	statements := []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("WriteOwnLogs"), Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(*logs.LogGroupArn())},
		// Neither action has a resource type (service authorization reference): "*".
		{Sid: jsii.String("ReportRestoreValidation"), Actions: jsii.Strings("backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"),
			Resources: jsii.Strings("*")},
		{Sid: jsii.String("DescribeRestoredDatabases"), Actions: jsii.Strings("rds:DescribeDBInstances"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:rds:%s:%s:db:%s*", *stack.Partition(), *stack.Region(), *stack.Account(), RestoredNamePrefix))},
		{Sid: jsii.String("ListRestoredBuckets"), Actions: jsii.Strings("s3:ListBucket"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s*", *stack.Partition(), RestoredNamePrefix))},
	}
	for _, st := range statements {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(st))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("The restore jobs' actions have no resource type, and AWS Backup names each restored instance and bucket awsbackup-restore-test- plus a random suffix; the prefix is all that is known."),
			AppliesTo: &[]any{
				jsii.String("Resource::*"),
				jsii.String(fmt.Sprintf("Resource::arn:%s:rds:%s:%s:db:%s*", *stack.Partition(), *stack.Region(), *stack.Account(), RestoredNamePrefix)),
				jsii.String(fmt.Sprintf("Resource::arn:%s:s3:::%s*", *stack.Partition(), RestoredNamePrefix)),
			}},
	}, jsii.Bool(true))
	return role
}

// suppressValidationFindings records why the function is outside a VPC, has no queue
// and no reserved concurrency, and runs Python 3.13.
func suppressValidationFindings(fn awslambda.Function) {
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-LambdaInsideVPC"), Reason: jsii.String("The function calls only the AWS Backup, RDS and S3 APIs and never the restored database's endpoint, which no security group rule admits anyway.")},
		{Id: jsii.String("NIST.800.53.R5-LambdaDLQ"), Reason: jsii.String("A failed invocation raises the function's Errors alarm on the alarm topic, and the job stays listed in AWS Backup to be validated by hand.")},
		{Id: jsii.String("NIST.800.53.R5-LambdaConcurrency"), Reason: jsii.String("It runs once per restore job of the plan (two per test); reserving concurrency would only take capacity from the account's unreserved pool.")},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("Python 3.13 is a supported Lambda runtime (deprecation 30 June 2029); moving to a newer one is a reviewed change, not an automatic one.")},
	}, jsii.Bool(true))
}

// validationAlarm is in ALARM when the function fails: a FAILED validation, or one it
// could not report. Restore jobs complete at most a few times a month, so one error in
// an hour alarms and an hour without one is OK.
func validationAlarm(c constructs.Construct, fn awslambda.Function, props *Props) awscloudwatch.Alarm {
	alarm := awscloudwatch.NewAlarm(c, jsii.String("ValidationFailed"), &awscloudwatch.AlarmProps{
		AlarmName: jsii.String(props.ValidationAlarmName),
		AlarmDescription: jsii.String("A restore test's copy failed validation, or the validation could not be reported: " +
			"aws backup describe-restore-job --restore-job-id <id> (ValidationStatusMessage) and the function's log. Runbook: README, Restore testing."),
		Metric:             fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1)), Statistic: jsii.String("Sum")}),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	action := awscloudwatchactions.NewSnsAction(awssns.Topic_FromTopicArn(c, jsii.String("AlarmTopic"), props.AlarmTopicArn))
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	return alarm
}
