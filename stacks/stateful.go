package stacks

// StatefulResourceTypes are the CloudFormation types whose replacement or deletion loses
// data or breaks access to it (a new KMS key cannot decrypt old backups; a new secret
// locks clients out; a new hosted zone has name servers nobody delegates to yet). Their logical ids are pinned by a test, and the CI guard refuses
// changes that would replace or delete one.
var StatefulResourceTypes = []string{
	"AWS::EC2::VPC",
	"AWS::RDS::DBInstance",
	"AWS::ElastiCache::ReplicationGroup",
	"AWS::S3::Bucket",
	"AWS::KMS::Key",
	"AWS::SecretsManager::Secret",
	"AWS::Backup::BackupVault",
	"AWS::Route53::HostedZone",
}
