// Package cache provides an ElastiCache Redis replication group as an L2-style construct:
// isolated subnets, encryption in transit and at rest, an AUTH token kept in Secrets
// Manager, Multi-AZ failover when it has replicas, snapshots and slow-log delivery.
package cache

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// DefaultPort is the Redis port. Not 6379: scanners probe the default port first
// (cdk-nag AwsSolutions-AEC5), and clients receive the port from the stack.
const DefaultPort = 6380

// Props configures a Cache.
type Props struct {
	// Vpc hosts the cache in its isolated subnets.
	Vpc awsec2.IVpc
	// NodeType is the ElastiCache node type, e.g. "cache.t4g.small".
	NodeType string
	// Replicas is the number of replicas of the primary (0–5). With one or more, the group
	// is Multi-AZ with automatic failover.
	Replicas int
	// SnapshotRetentionDays keeps daily snapshots (0–35).
	SnapshotRetentionDays int
	// EncryptionKey encrypts data at rest and the AUTH token secret.
	EncryptionKey awskms.IKey
	// LogRetention is how long the slow log is kept.
	LogRetention awslogs.RetentionDays
	// EngineVersion is the Redis OSS version.
	// Default: "7.1".
	EngineVersion string
	// RemovalPolicy applies to the replication group and its log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Cache is a Redis replication group.
type Cache struct {
	constructs.Construct
	// ReplicationGroup is the underlying CloudFormation resource.
	ReplicationGroup awselasticache.CfnReplicationGroup
	// PrimaryEndpoint is the host name of the primary (it follows failovers).
	PrimaryEndpoint *string
	// Port is the port clients connect to.
	Port int
	// AuthToken is the Redis AUTH token; clients read it from here, the replication group
	// receives it as a dynamic reference resolved by CloudFormation.
	AuthToken awssecretsmanager.ISecret
	// SecurityGroup admits nothing until a client is allowed through Connections().
	SecurityGroup awsec2.SecurityGroup
	// SlowLog receives the Redis slow log as JSON.
	SlowLog     awslogs.LogGroup
	connections awsec2.Connections
}

// Connections lets clients be allowed on the Redis port:
// cache.Connections().AllowDefaultPortFrom(service, ...).
func (c *Cache) Connections() awsec2.Connections { return c.connections }

// authTokenRotation is why the AUTH token has no rotation schedule.
const authTokenRotation = "A token change must be ROTATE on the cache, then new tasks, then SET, an order a rotation schedule cannot keep; docs/runbooks/redis-auth-token.md has the steps."

// New creates the replication group, its subnet group, security group, AUTH token and
// slow-log group.
func New(scope constructs.Construct, id string, props *Props) *Cache {
	p := props.withDefaults()
	p.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))

	securityGroup := awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Redis: clients are admitted explicitly"),
		AllowAllOutbound: jsii.Bool(false),
	})
	subnetGroup := newSubnetGroup(c, p)

	authToken := newAuthToken(c, p)

	slowLog := awslogs.NewLogGroup(c, jsii.String("SlowLog"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: p.EncryptionKey, // its key policy must admit CloudWatch Logs
		RemovalPolicy: p.RemovalPolicy,
	})

	multiAZ := p.Replicas > 0
	group := awselasticache.NewCfnReplicationGroup(c, jsii.String("ReplicationGroup"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("Garçon menu and session cache"),
		Engine:                      jsii.String("redis"),
		EngineVersion:               jsii.String(p.EngineVersion),
		CacheNodeType:               jsii.String(p.NodeType),
		NumCacheClusters:            jsii.Number(1 + p.Replicas),
		AutomaticFailoverEnabled:    jsii.Bool(multiAZ),
		MultiAzEnabled:              jsii.Bool(multiAZ),
		CacheSubnetGroupName:        subnetGroup.Ref(),
		SecurityGroupIds:            jsii.Strings(*securityGroup.SecurityGroupId()),
		Port:                        jsii.Number(DefaultPort),
		TransitEncryptionEnabled:    jsii.Bool(true),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		KmsKeyId:                    p.EncryptionKey.KeyArn(),
		// A {{resolve:secretsmanager:…}} reference: the token never appears in the template.
		AuthToken:                  authToken.SecretValue().UnsafeUnwrap(),
		SnapshotRetentionLimit:     jsii.Number(p.SnapshotRetentionDays),
		SnapshotWindow:             jsii.String("01:00-02:00"),
		PreferredMaintenanceWindow: jsii.String("sun:05:30-sun:06:30"),
		AutoMinorVersionUpgrade:    jsii.Bool(true),
		LogDeliveryConfigurations: []any{&awselasticache.CfnReplicationGroup_LogDeliveryConfigurationRequestProperty{
			DestinationType: jsii.String("cloudwatch-logs"),
			DestinationDetails: &awselasticache.CfnReplicationGroup_DestinationDetailsProperty{
				CloudWatchLogsDetails: &awselasticache.CfnReplicationGroup_CloudWatchLogsDestinationDetailsProperty{
					LogGroup: slowLog.LogGroupName(),
				},
			},
			LogFormat: jsii.String("json"),
			LogType:   jsii.String("slow-log"),
		}},
	})
	group.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(group, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup"), Reason: jsii.String("Redis holds only the menu cache, refilled from PostgreSQL on a miss; its snapshots serve diagnosis, and keeping them 15 days would preserve nothing worth restoring.")},
	}, jsii.Bool(false))
	if !multiAZ {
		cdknag.NagSuppressions_AddResourceSuppressions(group, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-AEC4"), Reason: jsii.String("A single node is the cost-sized staging choice (Cache.Replicas = 0); config validation requires a replica, and so Multi-AZ, in production.")},
		}, jsii.Bool(false))
	}

	return &Cache{
		Construct:        c,
		ReplicationGroup: group,
		PrimaryEndpoint:  group.AttrPrimaryEndPointAddress(),
		Port:             DefaultPort,
		AuthToken:        authToken,
		SecurityGroup:    securityGroup,
		SlowLog:          slowLog,
		connections: awsec2.NewConnections(&awsec2.ConnectionsProps{
			SecurityGroups: &[]awsec2.ISecurityGroup{securityGroup},
			DefaultPort:    awsec2.Port_Tcp(jsii.Number(DefaultPort)),
		}),
	}
}

// newSubnetGroup places the cache in the isolated subnets.
func newSubnetGroup(c constructs.Construct, p Props) awselasticache.CfnSubnetGroup {
	subnets := p.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	subnetIDs := []any{}
	for _, id := range *subnets.SubnetIds {
		subnetIDs = append(subnetIDs, id)
	}
	return awselasticache.NewCfnSubnetGroup(c, jsii.String("Subnets"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("Garçon Redis: isolated subnets"),
		SubnetIds:   &subnetIDs,
	})
}

// newAuthToken generates the AUTH token in Secrets Manager, encrypted with the
// environment's key.
func newAuthToken(c constructs.Construct, p Props) awssecretsmanager.Secret {
	// ElastiCache accepts 16-128 printable characters except @, " and /; letters and digits
	// only keeps every client library happy.
	authToken := awssecretsmanager.NewSecret(c, jsii.String("AuthToken"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Redis AUTH token of the Garçon cache"),
		EncryptionKey: p.EncryptionKey,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: p.RemovalPolicy,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(authToken, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SMG4"), Reason: jsii.String(authTokenRotation)},
		{Id: jsii.String("NIST.800.53.R5-SecretsManagerRotationEnabled"), Reason: jsii.String(authTokenRotation)},
	}, jsii.Bool(false))
	return authToken
}

func (p *Props) withDefaults() Props {
	out := *p
	if out.EngineVersion == "" {
		out.EngineVersion = "7.1"
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return out
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.Vpc != nil, "Vpc", "is required; allowed: the environment's VPC (the cache goes into its isolated subnets)")
	v.Require(p.EncryptionKey != nil, "EncryptionKey", "is required; allowed: a customer-managed KMS key (data at rest and the AUTH token are always encrypted)")
	v.Require(strings.HasPrefix(p.NodeType, "cache."), "NodeType", fmt.Sprintf("%q; allowed: an ElastiCache node type such as cache.t4g.small", p.NodeType))
	v.Require(p.Replicas >= 0 && p.Replicas <= 5, "Replicas", fmt.Sprintf("is %d; allowed: 0 to 5", p.Replicas))
	v.Require(p.SnapshotRetentionDays >= 0 && p.SnapshotRetentionDays <= 35, "SnapshotRetentionDays", fmt.Sprintf("is %d; allowed: 0 to 35", p.SnapshotRetentionDays))
	v.Require(p.LogRetention != "", "LogRetention", "is required; allowed: an awslogs.RetentionDays")
	return v
}
