package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/backup"
	"github.com/garcon/infrastructure/constructs/cache"
	"github.com/garcon/infrastructure/constructs/database"
	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/observability"
	"github.com/garcon/infrastructure/constructs/secrets"
	"github.com/garcon/infrastructure/constructs/storage"
)

// DataStack holds the environment's stateful resources. Nothing in it may be replaced or
// deleted by accident: production has termination protection, retained or snapshotted
// resources and deletion protection, and a test pins the logical ids.
type DataStack struct {
	awscdk.Stack
	// Key is the environment's customer-managed key: database storage, Performance
	// Insights, Redis at rest, uploads and every secret.
	Key awskms.Key
	// Database is RDS PostgreSQL with its replicas.
	Database *database.Database
	// Cache is ElastiCache Redis.
	Cache *cache.Cache
	// Storage holds the uploads and logs buckets.
	Storage *storage.Storage
	// Secrets are the application's secrets.
	Secrets *secrets.Secrets
	// Backup is the AWS Backup plan copying into the DR vault.
	Backup *backup.Plan
	// AlarmTopic receives every alarm of the environment's primary region.
	AlarmTopic *observability.AlarmTopic
	// Alarms are the database and cache alarms.
	Alarms []awscloudwatch.Alarm
}

// NewDataStack creates the data stack of env in vpc; its signals register with monitoring.
func NewDataStack(scope constructs.Construct, id string, env config.Environment, vpc awsec2.IVpc, monitoring *observability.Monitoring) *DataStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "PostgreSQL, Redis, uploads bucket, secrets and backups"))
	removal := removalPolicy(env)

	// The application's, cache's and rotation's log groups are encrypted with it too.
	key := keys.NewLogsKey(stack, "Key", &keys.Props{
		Description:   fmt.Sprintf("Garçon %s: data at rest (database, cache, uploads, secrets)", env.Name),
		RemovalPolicy: removal,
	})
	db := database.New(stack, "Database", &database.Props{
		Vpc:                    vpc,
		InstanceClass:          env.Database.InstanceClass,
		AllocatedStorageGiB:    env.Database.AllocatedStorageGiB,
		MaxAllocatedStorageGiB: env.Database.MaxAllocatedStorageGiB,
		MultiAZ:                env.Database.MultiAZ,
		ReadReplicas:           env.Database.ReadReplicas,
		BackupRetentionDays:    env.Database.BackupRetentionDays,
		EncryptionKey:          key,
		LogRetention:           retentionDays(env.Logs.RetentionDays),
		Disposable:             !env.IsProtected(),
	})
	redis := cache.New(stack, "Cache", &cache.Props{
		Vpc:                   vpc,
		NodeType:              env.Cache.NodeType,
		Replicas:              env.Cache.Replicas,
		SnapshotRetentionDays: env.Cache.SnapshotRetentionDays,
		EncryptionKey:         key,
		LogRetention:          retentionDays(env.Logs.RetentionDays),
		RemovalPolicy:         removal,
	})
	buckets := storage.New(stack, "Storage", &storage.Props{
		EncryptionKey: key,
		// Browsers upload from the environment's own front end and API host only.
		CorsOrigins:      []string{"https://" + env.StaticDomain(), "https://" + env.APIDomain()},
		LogRetentionDays: env.Logs.RetentionDays,
		RemovalPolicy:    removal,
	})
	appSecrets := secrets.New(stack, "Secrets", &secrets.Props{EncryptionKey: key, RemovalPolicy: removal})
	plan := backup.NewPlan(stack, "Backup", &backup.PlanProps{
		Name: "garcon-" + env.Name,
		Resources: []awsbackup.BackupResource{
			awsbackup.BackupResource_FromRdsDatabaseInstance(db.Instance),
			awsbackup.BackupResource_FromArn(buckets.Uploads.BucketArn()),
		},
		RetentionDays: env.Backup.RetentionDays,
		EncryptionKey: key,
		DRVaultName:   env.Backup.DRVaultName,
		DRRegion:      env.DRRegion,
		RemovalPolicy: removal,
	})
	topic := observability.NewAlarmTopic(stack, "AlarmTopic", &observability.TopicProps{
		Emails: env.Alarms.Emails, AlarmNamePrefix: alarmNamePrefix(env), RemovalPolicy: removal,
	})
	monitoring.NotifyIn(topic.Topic)
	monitoring.MonitorDatabase(stack, observability.DatabaseProps{
		Instance: db.Instance, Replicas: db.Replicas,
		MaxConnections: env.Alarms.DatabaseConnections, FreeStorageGiB: env.Alarms.DatabaseFreeStorageGiB,
	})
	monitoring.MonitorCache(stack, observability.CacheProps{
		ReplicationGroupID: redis.ReplicationGroup.Ref(), Nodes: 1 + env.Cache.Replicas, MaxConnections: env.Alarms.CacheConnections,
	})
	watchProducers(stack, awscdk.Stack_Of(vpc))
	keys.EncryptLogGroups(stack, key)
	return &DataStack{Stack: stack, Key: key, Database: db, Cache: redis, Storage: buckets, Secrets: appSecrets, Backup: plan,
		AlarmTopic: topic, Alarms: monitoring.AlarmsOf(stack)}
}
