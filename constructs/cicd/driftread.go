package cicd

import (
	"sort"
	"strings"
)

// DriftReadActions are, per CloudFormation type this project deploys, the read-only
// actions CloudFormation's drift detection performs with the caller's credentials to read
// the resource's live configuration (the type's read handler). Each is a configuration
// read: none returns data the resources hold. A type not listed here, and not in
// DriftNotChecked or DriftDataExcluded, fails the stacks tests, so a new type gets its
// read actions on purpose.
var DriftReadActions = map[string][]string{
	"AWS::ApplicationAutoScaling::ScalableTarget":  {"application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScheduledActions"},
	"AWS::ApplicationAutoScaling::ScalingPolicy":   {"application-autoscaling:DescribeScalingPolicies"},
	"AWS::ApplicationAutoScaling::ScheduledAction": {"application-autoscaling:DescribeScheduledActions"},
	"AWS::Backup::BackupPlan":                      {"backup:GetBackupPlan", "backup:ListTags"},
	"AWS::Backup::BackupSelection":                 {"backup:GetBackupSelection"},
	"AWS::Backup::BackupVault":                     {"backup:DescribeBackupVault", "backup:GetBackupVaultAccessPolicy", "backup:GetBackupVaultNotifications", "backup:ListTags"},
	"AWS::Backup::RestoreTestingPlan":              {"backup:GetRestoreTestingPlan", "backup:ListTags"},
	"AWS::Backup::RestoreTestingSelection":         {"backup:GetRestoreTestingSelection"},
	"AWS::Budgets::Budget":                         {"budgets:ViewBudget", "budgets:ListTagsForResource"},
	"AWS::CE::AnomalyMonitor":                      {"ce:GetAnomalyMonitors", "ce:ListTagsForResource"},
	"AWS::CE::AnomalySubscription":                 {"ce:GetAnomalySubscriptions", "ce:ListTagsForResource"},
	"AWS::CertificateManager::Certificate":         {"acm:DescribeCertificate", "acm:ListTagsForCertificate"},
	"AWS::CloudFront::CachePolicy":                 {"cloudfront:GetCachePolicy"},
	"AWS::CloudFront::Distribution":                {"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:ListTagsForResource"},
	"AWS::CloudFront::OriginAccessControl":         {"cloudfront:GetOriginAccessControl"},
	"AWS::CloudFront::ResponseHeadersPolicy":       {"cloudfront:GetResponseHeadersPolicy"},
	"AWS::CloudWatch::Alarm":                       {"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
	"AWS::CloudWatch::CompositeAlarm":              {"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
	"AWS::CloudWatch::Dashboard":                   {"cloudwatch:GetDashboard"},
	"AWS::EC2::EIP":                                {"ec2:DescribeAddresses"},
	"AWS::EC2::EgressOnlyInternetGateway":          {"ec2:DescribeEgressOnlyInternetGateways"},
	"AWS::EC2::FlowLog":                            {"ec2:DescribeFlowLogs"},
	"AWS::EC2::InternetGateway":                    {"ec2:DescribeInternetGateways"},
	"AWS::EC2::NatGateway":                         {"ec2:DescribeNatGateways"},
	"AWS::EC2::Route":                              {"ec2:DescribeRouteTables"},
	"AWS::EC2::RouteTable":                         {"ec2:DescribeRouteTables"},
	"AWS::EC2::SecurityGroup":                      {"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"},
	"AWS::EC2::SecurityGroupEgress":                {"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"},
	"AWS::EC2::SecurityGroupIngress":               {"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"},
	"AWS::EC2::Subnet":                             {"ec2:DescribeSubnets", "ec2:DescribeNetworkAcls"},
	"AWS::EC2::SubnetRouteTableAssociation":        {"ec2:DescribeRouteTables"},
	"AWS::EC2::VPC":                                {"ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls"},
	"AWS::EC2::VPCCidrBlock":                       {"ec2:DescribeVpcs"},
	"AWS::EC2::VPCEndpoint":                        {"ec2:DescribeVpcEndpoints"},
	"AWS::EC2::VPCGatewayAttachment":               {"ec2:DescribeInternetGateways"},
	"AWS::ECS::Cluster":                            {"ecs:DescribeClusters"},
	"AWS::ECS::Service":                            {"ecs:DescribeServices"},
	"AWS::ECS::TaskDefinition":                     {"ecs:DescribeTaskDefinition"},
	"AWS::ElastiCache::ParameterGroup":             {"elasticache:DescribeCacheParameterGroups", "elasticache:DescribeCacheParameters"},
	"AWS::ElastiCache::ReplicationGroup":           {"elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters", "elasticache:ListTagsForResource"},
	"AWS::ElastiCache::SubnetGroup":                {"elasticache:DescribeCacheSubnetGroups", "elasticache:ListTagsForResource"},
	"AWS::ElasticLoadBalancingV2::Listener":        {"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":    {"elasticloadbalancing:DescribeRules"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":    {"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeTags"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":     {"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTags"},
	"AWS::Events::Rule":                            {"events:DescribeRule", "events:ListTargetsByRule"},
	"AWS::FIS::ExperimentTemplate":                 {"fis:GetExperimentTemplate", "fis:ListTagsForResource"},
	"AWS::IAM::ManagedPolicy":                      {"iam:GetPolicy", "iam:GetPolicyVersion"},
	"AWS::IAM::OIDCProvider":                       {"iam:GetOpenIDConnectProvider"},
	"AWS::IAM::Policy":                             {"iam:GetRolePolicy"},
	"AWS::IAM::Role":                               {"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"},
	"AWS::KMS::Alias":                              {"kms:ListAliases"},
	"AWS::KMS::Key":                                {"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"},
	"AWS::Lambda::EventInvokeConfig":               {"lambda:GetFunctionEventInvokeConfig"},
	"AWS::Lambda::Function":                        {"lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig", "lambda:GetRuntimeManagementConfig"},
	"AWS::Lambda::Permission":                      {"lambda:GetPolicy"},
	"AWS::Logs::LogGroup":                          {"logs:DescribeLogGroups", "logs:GetDataProtectionPolicy", "logs:ListTagsForResource"},
	"AWS::RDS::DBInstance":                         {"rds:DescribeDBInstances", "ec2:DescribeAccountAttributes", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcAttribute", "ec2:DescribeVpcs"},
	"AWS::RDS::DBParameterGroup":                   {"rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"},
	"AWS::RDS::DBSubnetGroup":                      {"rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"},
	"AWS::Route53::HealthCheck":                    {"route53:GetHealthCheck", "route53:ListTagsForResource"},
	"AWS::Route53::HostedZone":                     {"route53:GetHostedZone", "route53:ListQueryLoggingConfigs", "route53:ListTagsForResource"},
	"AWS::Route53::RecordSet":                      {"route53:GetHostedZone", "route53:ListResourceRecordSets"},
	"AWS::S3::BucketPolicy":                        {"s3:GetBucketPolicy"},
	"AWS::SNS::Subscription":                       {"sns:GetSubscriptionAttributes"},
	"AWS::SNS::Topic":                              {"sns:GetDataProtectionPolicy", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"},
	"AWS::SNS::TopicPolicy":                        {"sns:GetTopicAttributes"},
	"AWS::SecretsManager::ResourcePolicy":          {"secretsmanager:GetResourcePolicy"},
	"AWS::SecretsManager::RotationSchedule":        {"secretsmanager:DescribeSecret"},
	"AWS::WAFv2::LoggingConfiguration":             {"wafv2:GetLoggingConfiguration"},
	"AWS::WAFv2::WebACL":                           {"wafv2:GetWebACL", "wafv2:ListTagsForResource"},
	"AWS::WAFv2::WebACLAssociation":                {"wafv2:GetWebACLForResource"},
	"AWS::S3::Bucket":                              bucketReadActions,
	"AWS::SecretsManager::Secret":                  {"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"},
	"AWS::SecretsManager::SecretTargetAttachment":  {"secretsmanager:DescribeSecret"},
}

// bucketReadActions read a bucket's configuration. s3:ListBucket is among them because
// the read handler checks that the bucket exists (HeadBucket, which S3 authorizes as
// ListBucket); it lists object names, never their contents (no s3:GetObject).
var bucketReadActions = []string{
	"s3:GetAccelerateConfiguration", "s3:GetAnalyticsConfiguration", "s3:GetBucketCORS", "s3:GetBucketLogging",
	"s3:GetBucketNotification", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls",
	"s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging", "s3:GetBucketVersioning",
	"s3:GetBucketWebsite", "s3:GetEncryptionConfiguration", "s3:GetIntelligentTieringConfiguration",
	"s3:GetInventoryConfiguration", "s3:GetLifecycleConfiguration", "s3:GetMetricsConfiguration",
	"s3:GetReplicationConfiguration", "s3:ListBucket",
}

// DriftNotChecked are the types in the templates that CloudFormation's drift detection
// does not check, with the reason: the drift role needs nothing for them.
var DriftNotChecked = map[string]string{
	"AWS::CDK::Metadata":           "CDK's version metadata, not a resource",
	"AWS::CloudFormation::Stack":   "a nested stack: drift detection does not recurse into it",
	"AWS::Serverless::Application": "expands to a nested stack (the rotation function's), which drift detection does not recurse into",
	"Custom::*":                    "custom resources have no read handler",
}

// DriftDataExcluded are reads a type's drift check could use that return data; the drift
// role never gets them, and the type's drift may come back as not checked (README, "Drift").
var DriftDataExcluded = map[string]string{
	"AWS::SecretsManager::Secret": "secretsmanager:GetSecretValue (the secret's value)",
}

// DriftCovers reports whether the drift role accounts for typ: it reads it, drift does
// not check it, or its data-reading check is excluded on purpose.
func DriftCovers(typ string) bool {
	if _, ok := DriftReadActions[typ]; ok {
		return true
	}
	if _, ok := DriftNotChecked[typ]; ok {
		return true
	}
	return strings.HasPrefix(typ, "Custom::")
}

// driftActions is the sorted union of DriftReadActions.
func driftActions() []string {
	seen := map[string]bool{}
	for _, actions := range DriftReadActions {
		for _, a := range actions {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
