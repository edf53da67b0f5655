package main

import "strings"

// freeTypes cost nothing by themselves. Each reason says why, so a reader can disagree.
var freeTypes = map[string]string{
	"AWS::CDK::Metadata":                           "CDK version metadata",
	"AWS::IAM::Role":                               "IAM has no charge",
	"AWS::IAM::Policy":                             "IAM has no charge",
	"AWS::KMS::Alias":                              "aliases have no charge; the key they name is priced",
	"AWS::IAM::ManagedPolicy":                      "IAM has no charge",
	"AWS::IAM::OIDCProvider":                       "IAM has no charge",
	"AWS::EC2::VPC":                                "no charge for the VPC itself",
	"AWS::EC2::VPCCidrBlock":                       "Amazon-provided IPv6 block: no charge",
	"AWS::EC2::Subnet":                             "no charge",
	"AWS::EC2::RouteTable":                         "no charge",
	"AWS::EC2::Route":                              "no charge",
	"AWS::EC2::SubnetRouteTableAssociation":        "no charge",
	"AWS::EC2::InternetGateway":                    "no charge (data out is billed as transfer)",
	"AWS::EC2::EgressOnlyInternetGateway":          "no charge (data out is billed as transfer)",
	"AWS::EC2::VPCGatewayAttachment":               "no charge",
	"AWS::EC2::SecurityGroup":                      "no charge",
	"AWS::EC2::SecurityGroupIngress":               "no charge",
	"AWS::EC2::SecurityGroupEgress":                "no charge",
	"AWS::RDS::DBSubnetGroup":                      "no charge",
	"AWS::RDS::DBParameterGroup":                   "no charge",
	"AWS::ElastiCache::SubnetGroup":                "no charge",
	"AWS::ElastiCache::ParameterGroup":             "no charge",
	"AWS::S3::BucketPolicy":                        "no charge",
	"AWS::SNS::Topic":                              "alarm e-mails: the first 1,000 a month are free",
	"AWS::SNS::Subscription":                       "no charge",
	"AWS::SNS::TopicPolicy":                        "no charge",
	"AWS::SecretsManager::RotationSchedule":        "no charge (the secret is priced)",
	"AWS::SecretsManager::ResourcePolicy":          "no charge",
	"AWS::SecretsManager::SecretTargetAttachment":  "no charge",
	"AWS::CertificateManager::Certificate":         "public ACM certificates are free",
	"AWS::CloudFront::OriginAccessControl":         "no charge",
	"AWS::CloudFront::ResponseHeadersPolicy":       "no charge",
	"AWS::CloudFront::CachePolicy":                 "no charge",
	"AWS::Route53::RecordSet":                      "alias queries to AWS resources are free; a zone is priced where it is created (the parent zone is not in these templates)",
	"AWS::ElasticLoadBalancingV2::Listener":        "included in the load balancer's LCUs",
	"AWS::ElasticLoadBalancingV2::ListenerRule":    "included in the load balancer's LCUs",
	"AWS::ElasticLoadBalancingV2::TargetGroup":     "included in the load balancer's LCUs",
	"AWS::ApplicationAutoScaling::ScalableTarget":  "no charge",
	"AWS::ApplicationAutoScaling::ScalingPolicy":   "no charge (its alarms are created and billed by CloudWatch)",
	"AWS::ECS::Cluster":                            "no charge; Container Insights logs are in Usage.LogsGBIngested",
	"AWS::WAFv2::WebACLAssociation":                "no charge (the web ACL is priced)",
	"AWS::Backup::BackupSelection":                 "no charge (storage is priced on the vaults)",
	"AWS::Lambda::Function":                        "runs at deploy time, for the monthly secret rotation or once per restore-test job (a few a month): within Lambda's always-free 1 M requests",
	"AWS::Lambda::EventInvokeConfig":               "no charge",
	"AWS::Lambda::Permission":                      "no charge",
	"AWS::Serverless::Application":                 "the secret-rotation application: one Lambda function run monthly, within the free tier",
	"AWS::ApplicationAutoScaling::ScheduledAction": "no charge",
	"AWS::FIS::ExperimentTemplate":                 "a template has no charge; an experiment is billed per action-minute only when someone starts one (game days, on demand)",
	"AWS::Backup::RestoreTestingPlan":              "the plan has no charge; each scheduled test is billed as a restore (per GB restored) plus the throw-away copy's running time until AWS Backup deletes it: not modelled in Usage",
	"AWS::Backup::RestoreTestingSelection":         "no charge (the plan's runs are the restores)",
	"AWS::Events::Rule":                            "events from AWS services (aws.backup) are delivered to rules at no charge",
	"AWS::CE::AnomalyMonitor":                      "AWS Cost Anomaly Detection has no charge",
	"AWS::CE::AnomalySubscription":                 "AWS Cost Anomaly Detection has no charge (its SNS alerts are within the topic's free tier)",
}

// elsewhereTypes are priced through another line; the reason names it.
var elsewhereTypes = map[string]string{
	"AWS::S3::Bucket":                  "in the Usage.S3GB storage line",
	"AWS::Logs::LogGroup":              "in the Usage.LogsGBIngested ingestion line",
	"AWS::EC2::FlowLog":                "in the Usage.LogsGBIngested ingestion line",
	"AWS::WAFv2::LoggingConfiguration": "in the Usage.LogsGBIngested ingestion line",
	"AWS::ECS::TaskDefinition":         "in the line of the ECS service that runs it",
}

// freeReason reports whether typ is free, including every custom resource: CDK's custom
// resources are Lambda-backed and run only while a stack deploys.
func freeReason(typ string) (string, bool) {
	if reason, ok := freeTypes[typ]; ok {
		return reason, true
	}
	if strings.HasPrefix(typ, "Custom::") {
		return "custom resource: its Lambda function runs only while the stack deploys", true
	}
	return "", false
}
