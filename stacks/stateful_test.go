package stacks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/stacks"
)

// pinnedStatefulIDs lists, per stack, every stateful resource as "Type LogicalId". A
// changed logical id makes CloudFormation create a new resource and DELETE the old one:
// a new database, bucket or key, and the data of the old one gone. Update this list only
// on purpose, after reading the reviewer note in the failure message.
var pinnedStatefulIDs = map[string][]string{
	"Network": {"AWS::EC2::VPC NetworkVpc7FB7348F", "AWS::KMS::Key FlowLogsKey895A70D5"},
	"Data": {
		"AWS::KMS::Key AlarmTopicKeyBA1A4AA7",
		"AWS::Backup::BackupVault BackupVaultADF21B19",
		"AWS::ElastiCache::ReplicationGroup CacheReplicationGroupBFE59FF3",
		"AWS::KMS::Key Key961B73FD",
		"AWS::RDS::DBInstance DatabaseInstanceAA8A5FDE",
		"AWS::RDS::DBInstance DatabaseReplica1ED560A1F",
		"AWS::S3::Bucket StorageLogs2A2D4D26",
		"AWS::S3::Bucket StorageUploadsBDC5E374",
		"AWS::SecretsManager::Secret CacheAuthToken04672416",
		"AWS::SecretsManager::Secret SecretsGoogleMapsApiKey6D80A418",
		"AWS::SecretsManager::Secret SecretsJwtSigningKeyEC8B32D6",
		"AWS::SecretsManager::Secret SecretsStripeApiKey60766497",
		"AWS::SecretsManager::Secret {Stage}DataDatabaseInstanceSecret*3fdaad7efa858a3daf9490cf0a702aeb",
	},
	"Edge": {
		"AWS::KMS::Key AlarmTopicKeyBA1A4AA7",
		"AWS::KMS::Key LogsKeyA6AB43B2",
		"AWS::KMS::Key StaticAssetsKey7540C42F",
		"AWS::S3::Bucket StaticAssets265B842E",
		"AWS::S3::Bucket StaticLogs1F36FD7A",
	},
	"Dns": {
		"AWS::KMS::Key LogsKeyA6AB43B2",
		"AWS::Route53::HostedZone ApiZone35BB6566",
		"AWS::Route53::HostedZone StaticZoneE2492D40",
	},
	"Backup": {
		"AWS::Backup::BackupVault Vault645BC77C",
		"AWS::KMS::Key VaultKeyCB88EF1A",
	},
}

func TestStatefulLogicalIDsArePinned(t *testing.T) {
	for _, stack := range allStacks() {
		stageName := strings.Split(*stack.Node().Path(), "/")[0]
		stackID := *stack.Node().Id()
		pinned, ok := pinnedStatefulIDs[stackID]
		if !ok {
			pinned = nil // a stack without stateful resources
		}
		var actual []string
		tpl := templateOf(stack)
		for _, typ := range stacks.StatefulResourceTypes {
			for id := range *tpl.FindResources(jsii.String(typ), nil) {
				actual = append(actual, typ+" "+id)
			}
		}
		want := make([]string, 0, len(pinned))
		for _, p := range pinned {
			want = append(want, strings.ReplaceAll(p, "{Stage}", stageName))
		}
		var removed, added []string
		for _, w := range want {
			if !slices.ContainsFunc(actual, func(a string) bool { return matchPinned(w, a) }) {
				removed = append(removed, w)
			}
		}
		for _, a := range actual {
			if !slices.ContainsFunc(want, func(w string) bool { return matchPinned(w, a) }) {
				added = append(added, a)
			}
		}
		assert.Empty(t, removed, "%s/%s: these stateful resources would be REPLACED or DELETED, losing their data:\n  %s\n"+
			"If this is not intended, restore the construct id or path. If it is (a deliberate migration), "+
			"move the resource with `cdk refactor` or plan a data migration, then update pinnedStatefulIDs.",
			stageName, stackID, strings.Join(removed, "\n  "))
		assert.Empty(t, added, "%s/%s: new stateful resources must be pinned: add them to pinnedStatefulIDs:\n  %s",
			stageName, stackID, strings.Join(added, "\n  "))
	}
}

// matchPinned compares a pinned "Type LogicalId" with an actual one; a '*' in the pinned
// id stands for the hash CDK puts in the middle of some generated ids.
func matchPinned(pinned, actual string) bool {
	prefix, suffix, wildcard := strings.Cut(pinned, "*")
	if !wildcard {
		return pinned == actual
	}
	return strings.HasPrefix(actual, prefix) && strings.HasSuffix(actual, suffix) && len(actual) > len(prefix)+len(suffix)
}
