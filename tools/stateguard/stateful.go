package main

import "fmt"

// statefulResourceTypes is a copy of stacks.StatefulResourceTypes (stacks/stateful.go).
// Importing the stacks package would pull the whole CDK module into this small tool and
// make it slow to build; TestStatefulTypesMatchStacksPackage parses stacks/stateful.go
// and fails when the two lists differ, so they cannot drift apart.
var statefulResourceTypes = []string{
	"AWS::EC2::VPC",
	"AWS::RDS::DBInstance",
	"AWS::ElastiCache::ReplicationGroup",
	"AWS::S3::Bucket",
	"AWS::KMS::Key",
	"AWS::SecretsManager::Secret",
	"AWS::Backup::BackupVault",
	"AWS::Route53::HostedZone",
}

// isStateful reports whether resources of type typ hold data the guard protects.
func isStateful(typ string) bool {
	for _, t := range statefulResourceTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// Effect is what CloudFormation does when a property of an existing resource changes.
type Effect int

const (
	// Replaces means "Update requires: Replacement": a new resource is created and the
	// old one, with its data, deleted.
	Replaces Effect = iota
	// MayReplace means the property replaces the resource in some cases (a conditional
	// create-only property), e.g. a change of the restore source.
	MayReplace
	// Immutable means CloudFormation refuses the update (KMS keys): the deployment fails
	// and the usual way out, a new key, loses access to everything encrypted with the old.
	Immutable
)

func (e Effect) String() string {
	switch e {
	case Replaces:
		return "requires replacement"
	case MayReplace:
		return "may require replacement"
	default:
		return "cannot be changed in place (the update fails; a new key would be needed)"
	}
}

// rule is one property of a stateful type whose change replaces the resource.
type rule struct {
	Property string
	Effect   Effect
	// Replaces, when set, decides whether a change from old to new replaces the resource
	// (nil: every change does). Values are normalized (see normalize).
	Replaces func(old, new any) bool
}

// replacementRules lists, per stateful type, the properties whose change replaces the
// resource. Sources, checked against each other:
//
//   - the CloudFormation template reference, "Update requires: Replacement" on each
//     property: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-<service>-<type>.html
//     (ec2-vpc, rds-dbinstance, elasticache-replicationgroup, s3-bucket, kms-key,
//     secretsmanager-secret, backup-backupvault, route53-hostedzone);
//   - the resource schemas' createOnlyProperties (yes) and conditionalCreateOnlyProperties
//     (maybe), as shipped in the CDK CLI's service database node_modules/aws-cdk/db.json.gz
//     (field causesReplacement): the data `cdk diff` uses to print "requires replacement".
//     TestReplacementRulesCoverCDKServiceDatabase fails when that database (after a CLI
//     upgrade) lists a replacing property this table neither has nor explains in
//     notReplacing.
var replacementRules = map[string][]rule{
	"AWS::EC2::VPC": {
		{Property: "CidrBlock"},
		{Property: "Ipv4IpamPoolId"},
		{Property: "Ipv4NetmaskLength"},
		{Property: "VpcEncryptionControl"},
		// "Updating InstanceTenancy requires no replacement only if you are updating its
		// value from dedicated to default."
		{Property: "InstanceTenancy", Effect: MayReplace, Replaces: func(old, new any) bool {
			return old != "dedicated" || (new != "default" && new != nil)
		}},
	},
	"AWS::RDS::DBInstance": {
		{Property: "BackupTarget"},
		{Property: "CharacterSetName"},
		{Property: "CustomIAMInstanceProfile"},
		{Property: "DBClusterIdentifier"},
		{Property: "DBInstanceIdentifier"},
		{Property: "DBName"},
		{Property: "DBSubnetGroupName"},
		{Property: "DBSystemId"},
		{Property: "KmsKeyId"},
		{Property: "MasterUsername"},
		{Property: "NcharCharacterSetName"},
		{Property: "Port"},
		{Property: "SourceRegion"},
		{Property: "StorageEncrypted"},
		{Property: "Timezone"},
		// Conditional: a different engine (postgres → mysql) is a new instance; a
		// version upgrade is EngineVersion and happens in place.
		{Property: "Engine", Effect: MayReplace},
		{Property: "AvailabilityZone", Effect: MayReplace},
		{Property: "PerformanceInsightsKMSKeyId", Effect: MayReplace},
		// Restore and replica sources: a new source restores a new instance.
		{Property: "DBSnapshotIdentifier", Effect: MayReplace},
		{Property: "DBClusterSnapshotIdentifier", Effect: MayReplace},
		{Property: "RestoreTime", Effect: MayReplace},
		{Property: "UseLatestRestorableTime", Effect: MayReplace},
		{Property: "SourceDBClusterIdentifier", Effect: MayReplace},
		{Property: "SourceDBInstanceAutomatedBackupsArn", Effect: MayReplace},
		{Property: "SourceDBInstanceIdentifier", Effect: MayReplace},
		{Property: "SourceDbiResourceId", Effect: MayReplace},
	},
	"AWS::ElastiCache::ReplicationGroup": {
		{Property: "AtRestEncryptionEnabled"},
		{Property: "CacheSubnetGroupName"},
		{Property: "DataTieringEnabled"},
		{Property: "Engine"},
		{Property: "GlobalReplicationGroupId"},
		{Property: "KmsKeyId"},
		{Property: "NetworkType"},
		{Property: "Port"},
		{Property: "PreferredCacheClusterAZs"},
		{Property: "ReplicasPerNodeGroup"},
		{Property: "ReplicationGroupId"},
		{Property: "SnapshotArns"},
		{Property: "SnapshotName"},
		// Resharding is online in cluster mode, a replacement otherwise.
		{Property: "NumNodeGroups", Effect: MayReplace},
		{Property: "NodeGroupConfiguration", Effect: MayReplace},
	},
	"AWS::S3::Bucket": {
		{Property: "BucketName"},
		{Property: "BucketNamePrefix"},
		{Property: "BucketNamespace"},
		{Property: "ObjectLockEnabled"},
	},
	// "If you change the value of the KeySpec, KeyUsage, Origin, or MultiRegion
	// properties of an existing KMS key, the update request fails, regardless of the
	// value of the UpdateReplacePolicy attribute." (AWS::KMS::Key reference). The
	// service database marks none of them, so they are listed from the documentation.
	"AWS::KMS::Key": {
		{Property: "KeySpec", Effect: Immutable},
		{Property: "KeyUsage", Effect: Immutable},
		{Property: "Origin", Effect: Immutable},
		{Property: "MultiRegion", Effect: Immutable},
	},
	"AWS::SecretsManager::Secret": {
		{Property: "Name"},
	},
	"AWS::Backup::BackupVault": {
		{Property: "BackupVaultName"},
		{Property: "EncryptionKeyArn"},
	},
	// A new zone gets new name servers: the delegation in the parent zone points at the
	// old ones until it is rewritten and resolvers' caches expire.
	"AWS::Route53::HostedZone": {
		{Property: "DelegationSetId"},
		{Property: "Name"},
	},
}

// notReplacing lists properties the CDK service database marks as possibly replacing
// ("maybe") that the guard deliberately lets through, with the reason. Flagging them
// would fail routine configuration changes.
var notReplacing = map[string]map[string]string{
	"AWS::RDS::DBInstance": {
		"AutoMinorVersionUpgrade":    "modified in place by ModifyDBInstance (Update requires: No interruption)",
		"BackupRetentionPeriod":      "modified in place; a change to or from 0 causes a short outage, not a replacement",
		"DBParameterGroupName":       "applied in place, with a reboot for static parameters (Some interruptions)",
		"MultiAZ":                    "converted in place (Some interruptions)",
		"PreferredMaintenanceWindow": "modified in place (No interruption)",
		"StorageType":                "storage is migrated in place (Some interruptions)",
	},
	"AWS::ElastiCache::ReplicationGroup": {
		"AuthToken": "rotated in place with AuthTokenUpdateStrategy; CDK renders it as a Secrets Manager dynamic reference whose value never appears in the template",
	},
}

// rulesFor returns the replacement rules of a stateful type.
func rulesFor(typ string) []rule {
	return replacementRules[typ]
}

// describe renders a template value for a finding: compact JSON, cut at 80 characters.
func describe(v any) string {
	if v == nil {
		return "(unset)"
	}
	s := fmt.Sprintf("%v", v)
	if b, err := jsonCompact(v); err == nil {
		s = b
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
