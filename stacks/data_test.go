package stacks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

// Matchers shared by the data-tier tests.
func objectLike(m map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&m) }
func arrayWith(items ...any) assertions.Matcher      { return assertions.Match_ArrayWith(&items) }
func regexp(pattern string) assertions.Matcher {
	return assertions.Match_StringLikeRegexp(jsii.String(pattern))
}
func absent() assertions.Matcher { return assertions.Match_Absent() }

// writer matches the primary instance (replicas carry SourceDBInstanceIdentifier).
func writer(props map[string]any) map[string]any {
	props["SourceDBInstanceIdentifier"] = absent()
	return props
}

func TestDatabaseWriterIsPrivateEncryptedPostgres(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::RDS::DBInstance"), writer(map[string]any{}), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), writer(map[string]any{
			"Engine":                          "postgres",
			"EngineVersion":                   "17.9",
			"AutoMinorVersionUpgrade":         false,
			"DBInstanceClass":                 "db." + env.Config.Database.InstanceClass,
			"PubliclyAccessible":              false,
			"StorageEncrypted":                true,
			"KmsKeyId":                        map[string]any{"Fn::GetAtt": []any{regexp("^Key"), "Arn"}},
			"StorageType":                     "gp3",
			"AllocatedStorage":                fmt.Sprint(env.Config.Database.AllocatedStorageGiB),
			"MaxAllocatedStorage":             env.Config.Database.MaxAllocatedStorageGiB,
			"EnableIAMDatabaseAuthentication": true,
			"EnablePerformanceInsights":       true,
			"MonitoringInterval":              60,
			"EnableCloudwatchLogsExports":     []any{"postgresql", "upgrade"},
			"Port":                            "5433",
		}))
	})
}

func TestDatabaseAvailabilityAndBackupsFollowConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), writer(map[string]any{
			"MultiAZ":               env.Config.Database.MultiAZ,
			"BackupRetentionPeriod": env.Config.Database.BackupRetentionDays,
			"DeletionProtection":    env.Config.IsProtected(),
		}))
	})
	prod := envByName(t, "production").Config.Database
	assert.True(t, prod.MultiAZ)
	assert.Equal(t, 30, prod.BackupRetentionDays, "30 days of point-in-time recovery in production")
	assert.Equal(t, 7, envByName(t, "staging").Config.Database.BackupRetentionDays)
}

func TestDatabaseIsSnapshottedOnDeleteInProductionOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		want := "Delete"
		if env.Config.IsProtected() {
			want = "Snapshot"
		}
		templateOf(env.Data.Stack).HasResource(jsii.String("AWS::RDS::DBInstance"), map[string]any{
			"Properties":          writer(map[string]any{}),
			"DeletionPolicy":      want,
			"UpdateReplacePolicy": want,
		})
	})
}

func TestDatabaseReadReplicasFollowConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		replica := map[string]any{"SourceDBInstanceIdentifier": assertions.Match_AnyValue()}
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::RDS::DBInstance"), replica, jsii.Number(env.Config.Database.ReadReplicas))
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), map[string]any{
			"SourceDBInstanceIdentifier":      assertions.Match_AnyValue(),
			"PubliclyAccessible":              false,
			"EnableIAMDatabaseAuthentication": true,
			"DeletionProtection":              env.Config.IsProtected(),
		})
	})
	assert.GreaterOrEqual(t, envByName(t, "production").Config.Database.ReadReplicas, 1)
}

func TestDatabaseParameterGroupForcesTLSAndLogsSlowStatements(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBParameterGroup"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBParameterGroup"), map[string]any{
			"Family": "postgres17",
			"Parameters": objectLike(map[string]any{
				"rds.force_ssl":              "1",
				"log_min_duration_statement": "500",
			}),
		})
		// Writer and replicas share it.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::RDS::DBInstance"), map[string]any{
			"DBParameterGroupName": map[string]any{"Ref": regexp("^DatabaseParameters")},
		}, jsii.Number(1+env.Config.Database.ReadReplicas))
	})
}

func TestDatabaseLogsAreKeptForTheConfiguredRetention(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		instances := 1 + env.Config.Database.ReadReplicas
		tpl.ResourcePropertiesCountIs(jsii.String("Custom::LogRetention"), map[string]any{
			"RetentionInDays": env.Config.Logs.RetentionDays,
			"LogGroupName":    map[string]any{"Fn::Join": []any{"", arrayWith("/aws/rds/instance/")}},
		}, jsii.Number(2*instances)) // postgresql and upgrade logs per instance
	})
}

func TestDatabaseCredentialsAreGeneratedEncryptedAndRotatedInTheVpc(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"GenerateSecretString": objectLike(map[string]any{"SecretStringTemplate": `{"username":"garcon_admin"}`}),
			"KmsKeyId":             map[string]any{"Fn::GetAtt": []any{regexp("^Key"), "Arn"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(30 days)"},
		})
		// The rotation function runs in the private (egress) subnets of the environment's VPC.
		apps := *tpl.FindResources(jsii.String("AWS::Serverless::Application"), nil)
		require.Len(t, apps, 1)
		for _, raw := range apps {
			subnets := (*raw)["Properties"].(map[string]any)["Parameters"].(map[string]any)["vpcSubnetIds"]
			outputs := stackOutputNames(subnets)
			assert.Len(t, outputs, len(env.Config.AvailabilityZones))
			for _, name := range outputs {
				assert.Contains(t, name, "privateSubnet")
			}
		}
	})
}

func TestDatabaseAndCacheAdmitNoCidrRanges(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		for _, raw := range *tpl.FindResources(jsii.String("AWS::EC2::SecurityGroup"), nil) {
			props := (*raw)["Properties"].(map[string]any)
			assert.Nil(t, props["SecurityGroupIngress"], "data-tier security groups have no inline (CIDR) ingress: %v", props)
		}
		// The only rule so far: the rotation function reaches the database on its port.
		tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
			"IpProtocol":            "tcp",
			"FromPort":              map[string]any{"Fn::GetAtt": []any{regexp("^DatabaseInstance"), "Endpoint.Port"}},
			"ToPort":                map[string]any{"Fn::GetAtt": []any{regexp("^DatabaseInstance"), "Endpoint.Port"}},
			"GroupId":               map[string]any{"Fn::GetAtt": []any{regexp("^DatabaseSecurityGroup"), "GroupId"}},
			"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{regexp("^DatabaseRotationSecurityGroup"), "GroupId"}},
		})
	})
}

func TestCacheIsEncryptedAuthenticatedAndSizedByConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		multiAZ := env.Config.Cache.Replicas > 0
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::ReplicationGroup"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), map[string]any{
			"Engine":                     "redis",
			"CacheNodeType":              env.Config.Cache.NodeType,
			"NumCacheClusters":           1 + env.Config.Cache.Replicas,
			"AutomaticFailoverEnabled":   multiAZ,
			"MultiAZEnabled":             multiAZ,
			"TransitEncryptionEnabled":   true,
			"AtRestEncryptionEnabled":    true,
			"KmsKeyId":                   map[string]any{"Fn::GetAtt": []any{regexp("^Key"), "Arn"}},
			"Port":                       6380,
			"SnapshotRetentionLimit":     env.Config.Cache.SnapshotRetentionDays,
			"SnapshotWindow":             assertions.Match_AnyValue(),
			"PreferredMaintenanceWindow": assertions.Match_AnyValue(),
			"LogDeliveryConfigurations": []any{objectLike(map[string]any{
				"LogType":         "slow-log",
				"LogFormat":       "json",
				"DestinationType": "cloudwatch-logs",
			})},
		})
	})
	assert.GreaterOrEqual(t, envByName(t, "production").Config.Cache.Replicas, 1, "production fails over to a replica")
}

func TestCacheAuthTokenIsADynamicReference(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		groups := *tpl.FindResources(jsii.String("AWS::ElastiCache::ReplicationGroup"), nil)
		require.Len(t, groups, 1)
		for _, raw := range groups {
			token := (*raw)["Properties"].(map[string]any)["AuthToken"]
			join := token.(map[string]any)["Fn::Join"].([]any)[1].([]any)
			assert.Equal(t, "{{resolve:secretsmanager:", join[0])
			assert.Equal(t, map[string]any{"Ref": join[1].(map[string]any)["Ref"]}, join[1])
			assert.True(t, strings.HasPrefix(join[1].(map[string]any)["Ref"].(string), "CacheAuthToken"))
			assert.Equal(t, ":SecretString:::}}", join[2])
		}
	})
}

func TestCacheLivesInIsolatedSubnets(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::SubnetGroup"), jsii.Number(1))
		subnets := *tpl.FindResources(jsii.String("AWS::ElastiCache::SubnetGroup"), nil)
		for _, raw := range subnets {
			outputs := stackOutputNames((*raw)["Properties"].(map[string]any)["SubnetIds"])
			assert.Len(t, outputs, len(env.Config.AvailabilityZones))
			for _, name := range outputs {
				assert.Contains(t, name, "isolatedSubnet", "Redis must sit in the isolated tier")
			}
		}
	})
}

func TestUploadsBucketIsPrivateEncryptedVersionedAndLogged(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled": true,
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm":   "aws:kms",
					"KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{regexp("^Key"), "Arn"}},
				},
			}}},
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LoggingConfiguration": map[string]any{
				"DestinationBucketName": map[string]any{"Ref": regexp("^StorageLogs")},
				"LogFilePrefix":         "s3/uploads/",
			},
			"LifecycleConfiguration": map[string]any{"Rules": []any{objectLike(map[string]any{
				"Status":                         "Enabled",
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 30},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1},
			})}},
			"CorsConfiguration": map[string]any{"CorsRules": []any{objectLike(map[string]any{
				"AllowedMethods": []any{"PUT"},
				"AllowedOrigins": []any{"https://" + env.Config.StaticDomain(), "https://" + env.Config.APIDomain()},
			})}},
		})
	})
}

func TestBucketsDenyPlainHTTP(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{
				"Effect":    "Deny",
				"Action":    "s3:*",
				"Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}))}),
		}, jsii.Number(2))
	})
}

func TestBucketsAreRetainedInProductionOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		want := "Delete"
		if env.Config.IsProtected() {
			want = "Retain"
		}
		templateOf(env.Data.Stack).ResourcePropertiesCountIs(jsii.String("AWS::S3::Bucket"), map[string]any{}, jsii.Number(2))
		for _, raw := range *templateOf(env.Data.Stack).FindResources(jsii.String("AWS::S3::Bucket"), nil) {
			assert.Equal(t, want, (*raw)["DeletionPolicy"])
		}
	})
}

func TestApplicationSecretsAreGeneratedAndEncryptedWithTheEnvironmentKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		for _, prefix := range []string{"SecretsJwtSigningKey", "SecretsStripeApiKey", "SecretsGoogleMapsApiKey"} {
			found := false
			for id, raw := range *tpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
				if !strings.HasPrefix(id, prefix) {
					continue
				}
				found = true
				props := (*raw)["Properties"].(map[string]any)
				assert.NotNil(t, props["GenerateSecretString"], "%s is generated", id)
				assert.Equal(t, map[string]any{"Fn::GetAtt": []any{"Key961B73FD", "Arn"}}, props["KmsKeyId"])
			}
			assert.True(t, found, "secret %s exists", prefix)
		}
		// No secret value is ever written into the template.
		for id, raw := range *tpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
			assert.NotContains(t, (*raw)["Properties"], "SecretString", "%s must not carry a literal value", id)
		}
	})
}

func TestBackupPlanTakesContinuousBackupsAndCopiesToTheDRRegion(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Data.Stack)
		days := env.Config.Backup.RetentionDays
		tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupPlan"), map[string]any{
			"BackupPlan": objectLike(map[string]any{
				"BackupPlanName": "garcon-" + env.Config.Name,
				"BackupPlanRule": []any{objectLike(map[string]any{
					"ScheduleExpression":     "cron(0 4 * * ? *)",
					"EnableContinuousBackup": true,
					"Lifecycle":              map[string]any{"DeleteAfterDays": days},
					"CopyActions": []any{map[string]any{
						"DestinationBackupVaultArn": "arn:aws:backup:" + env.Config.DRRegion + ":" + env.Config.Account +
							":backup-vault:" + env.Config.Backup.DRVaultName,
						"Lifecycle": map[string]any{"DeleteAfterDays": days},
					}},
				})},
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupSelection"), map[string]any{
			"BackupSelection": objectLike(map[string]any{
				"Resources": assertions.Match_ArrayEquals(&[]any{
					map[string]any{"Fn::Join": []any{"", arrayWith(regexp(":db:$"), map[string]any{"Ref": regexp("^DatabaseInstance")})}},
					map[string]any{"Fn::GetAtt": []any{regexp("^StorageUploads"), "Arn"}},
				}),
			}),
		})
	})
	assert.Equal(t, 30, envByName(t, "production").Config.Backup.RetentionDays)
}

func TestBackupStackHoldsTheDRVaultInTheDRRegion(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		assert.Equal(t, env.Config.DRRegion, *env.Backup.Region())
		assert.NotEqual(t, env.Config.Region, *env.Backup.Region())
		tpl := templateOf(env.Backup.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::Backup::BackupVault"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupVault"), map[string]any{
			"BackupVaultName":  env.Config.Backup.DRVaultName,
			"EncryptionKeyArn": map[string]any{"Fn::GetAtt": []any{regexp("^VaultKey"), "Arn"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
		// The data stack deploys after the vault it copies into.
		deps := *env.Data.Dependencies()
		names := []string{}
		for _, d := range deps {
			names = append(names, *d.StackName())
		}
		assert.Contains(t, names, *env.Backup.StackName())
	})
}

func TestStatefulStacksHaveTerminationProtectionInProduction(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range allStacks() {
			if !strings.HasPrefix(*stack.Node().Path(), env.Config.StageName+"/") {
				continue
			}
			assert.Equal(t, env.Config.IsProtected(), *stack.TerminationProtection(), *stack.StackName())
		}
	})
}

// stackOutputNames collects the OutputName of every Fn::GetStackOutput (the cross-stack
// reference form this app synthesizes) inside a template value.
func stackOutputNames(value any) []string {
	var out []string
	switch v := value.(type) {
	case map[string]any:
		if ref, ok := v["Fn::GetStackOutput"].(map[string]any); ok {
			return append(out, ref["OutputName"].(string))
		}
		for _, inner := range v {
			out = append(out, stackOutputNames(inner)...)
		}
	case []any:
		for _, inner := range v {
			out = append(out, stackOutputNames(inner)...)
		}
	}
	return out
}
