// Package stateful names the CloudFormation resource types whose replacement or deletion
// loses data or breaks access to it: a new KMS key cannot decrypt old backups, a new
// secret locks clients out, a new hosted zone has name servers nobody delegates to yet.
// It is the one list both the stacks (logical-id pins, deletion-policy tests) and the
// stateful-change guard (tools/stateguard) use; it imports nothing, so the guard stays
// free of the CDK packages.
package stateful

import "slices"

// Types are the stateful CloudFormation resource types.
var Types = []string{
	"AWS::EC2::VPC",
	"AWS::RDS::DBInstance",
	"AWS::ElastiCache::ReplicationGroup",
	"AWS::S3::Bucket",
	"AWS::KMS::Key",
	"AWS::SecretsManager::Secret",
	"AWS::Backup::BackupVault",
	"AWS::Route53::HostedZone",
}

// Is reports whether resources of type typ are stateful.
func Is(typ string) bool { return slices.Contains(Types, typ) }
