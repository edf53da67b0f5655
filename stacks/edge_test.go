package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

func TestEdgeStackLivesInUsEast1(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		assert.Equal(t, "us-east-1", *env.Edge.Region())
		assert.Equal(t, env.Config.Account, *env.Edge.Account())
	})
}

func TestEdgeDistributionServesTheBucketThroughOAC(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::CloudFront::OriginAccessControl"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
			"OriginAccessControlConfig": objectLike(map[string]any{
				"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4",
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": objectLike(map[string]any{
				"Origins": []any{objectLike(map[string]any{
					"DomainName":            map[string]any{"Fn::GetAtt": []any{regexp("^StaticAssets"), "RegionalDomainName"}},
					"OriginAccessControlId": map[string]any{"Fn::GetAtt": []any{regexp("OriginAccessControl"), "Id"}},
					"S3OriginConfig":        map[string]any{"OriginAccessIdentity": ""},
				})},
			}),
		})
	})
}

func TestEdgeDistributionViewerSettings(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Edge.Stack).HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": objectLike(map[string]any{
				"Aliases":           []any{env.Config.StaticDomain()},
				"HttpVersion":       "http2and3",
				"IPV6Enabled":       true,
				"PriceClass":        env.Config.Edge.PriceClass,
				"DefaultRootObject": "index.html",
				"ViewerCertificate": map[string]any{
					"AcmCertificateArn":      map[string]any{"Ref": regexp("^StaticCertificate")},
					"MinimumProtocolVersion": "TLSv1.2_2021",
					"SslSupportMethod":       "sni-only",
				},
				"DefaultCacheBehavior": objectLike(map[string]any{
					"ViewerProtocolPolicy":    "redirect-to-https",
					"Compress":                true,
					"CachePolicyId":           "658327ea-f89d-4fab-a63d-7e88639e58f6", // managed CachingOptimized
					"ResponseHeadersPolicyId": map[string]any{"Ref": regexp("^StaticSecurityHeaders")},
				}),
				"CustomErrorResponses": []any{
					map[string]any{"ErrorCode": 403, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 60},
					map[string]any{"ErrorCode": 404, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 60},
				},
				"Logging": map[string]any{
					"Bucket": map[string]any{"Fn::GetAtt": []any{regexp("^StaticLogs"), "RegionalDomainName"}},
					"Prefix": "cloudfront/",
				},
			}),
		})
	})
}

func TestEdgeCertificateIsDNSValidatedInTheZone(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Edge.Stack).HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), map[string]any{
			"DomainName":       env.Config.StaticDomain(),
			"ValidationMethod": "DNS",
			"DomainValidationOptions": []any{map[string]any{
				"DomainName": env.Config.StaticDomain(), "HostedZoneId": zoneOf(env, "StaticZone"),
			}},
		})
	})
}

func TestEdgeSecurityHeaders(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Edge.Stack).HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), map[string]any{
			"ResponseHeadersPolicyConfig": objectLike(map[string]any{
				"SecurityHeadersConfig": map[string]any{
					"StrictTransportSecurity": map[string]any{"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": true, "Preload": true, "Override": true},
					"ContentTypeOptions":      map[string]any{"Override": true},
					"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
					"ReferrerPolicy":          map[string]any{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
				},
			}),
		})
	})
}

func TestEdgeWafIsCloudFrontScopedAndAttached(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
			"Scope": "CLOUDFRONT",
			"Rules": arrayWith(
				objectLike(map[string]any{"Name": "rate-limit-per-ip", "Statement": map[string]any{"RateBasedStatement": objectLike(map[string]any{"Limit": env.Config.Edge.WafRateLimit})}}),
				objectLike(map[string]any{"Name": "AWSManagedRulesAmazonIpReputationList"}),
				objectLike(map[string]any{"Name": "AWSManagedRulesCommonRuleSet"}),
				objectLike(map[string]any{"Name": "AWSManagedRulesKnownBadInputsRuleSet"}),
				objectLike(map[string]any{"Name": "AWSManagedRulesSQLiRuleSet"}),
			),
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": objectLike(map[string]any{"WebACLId": map[string]any{"Fn::GetAtt": []any{regexp("^WafAcl"), "Arn"}}}),
		})
		tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACLAssociation"), jsii.Number(0)) // CloudFront attaches by WebACLId
	})
}

// Only this distribution may read the bucket: the CloudFront service principal, limited by
// AWS:SourceArn to the distribution's ARN.
func TestEdgeBucketPolicyAdmitsOnlyThisDistribution(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		policies := *tpl.FindResources(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"Properties": objectLike(map[string]any{"Bucket": map[string]any{"Ref": regexp("^StaticAssets")}}),
		})
		require.Len(t, policies, 1)
		for _, raw := range policies {
			statements := (*raw)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
			var allows []map[string]any
			for _, s := range statements {
				st := s.(map[string]any)
				if emptiesBucketOnDestroy(st) && !env.Config.IsProtected() {
					continue // a disposable environment's bucket is emptied when it is deleted
				}
				if st["Effect"] == "Allow" {
					allows = append(allows, st)
				}
			}
			require.Len(t, allows, 1, "one Allow: CloudFront reading objects")
			allow := allows[0]
			assert.Equal(t, map[string]any{"Service": "cloudfront.amazonaws.com"}, allow["Principal"])
			assert.Equal(t, "s3:GetObject", allow["Action"])
			cond := allow["Condition"].(map[string]any)["StringEquals"].(map[string]any)["AWS:SourceArn"]
			join := cond.(map[string]any)["Fn::Join"].([]any)[1].([]any)
			require.Len(t, join, 6)
			assert.Equal(t, []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cloudfront::", map[string]any{"Ref": "AWS::AccountId"}, ":distribution/"}, join[:5])
			distribution := *tpl.FindResources(jsii.String("AWS::CloudFront::Distribution"), nil)
			require.Len(t, distribution, 1)
			for id := range distribution {
				assert.Equal(t, map[string]any{"Ref": id}, join[5], "the condition names this stack's distribution")
			}
		}
	})
}

func TestEdgeDNSRecordsAndOutputs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		for _, typ := range []string{"A", "AAAA"} {
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::Route53::RecordSet"), map[string]any{
				"Name": env.Config.StaticDomain() + ".", "Type": typ, "HostedZoneId": zoneOf(env, "StaticZone"),
				"AliasTarget": objectLike(map[string]any{"DNSName": map[string]any{"Fn::GetAtt": []any{regexp("^StaticDistribution"), "DomainName"}}}),
			}, jsii.Number(1))
		}
		tpl.HasOutput(jsii.String("AssetsBucketName"), map[string]any{"Value": map[string]any{"Ref": regexp("^StaticAssets")}})
		tpl.HasOutput(jsii.String("DistributionId"), map[string]any{"Value": map[string]any{"Ref": regexp("^StaticDistribution")}})
		tpl.HasOutput(jsii.String("DistributionDomainName"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^StaticDistribution"), "DomainName"}}})
	})
	assert.Equal(t, "staging-static.garcon.app", envByName(t, "staging").Config.StaticDomain())
	assert.Equal(t, "static.garcon.app", envByName(t, "production").Config.StaticDomain())
}

func TestEdgeBucketsArePrivateEncryptedAndVersioned(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"BucketEncryption":               objectLike(map[string]any{}),
			"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
			"LoggingConfiguration":           objectLike(map[string]any{"DestinationBucketName": map[string]any{"Ref": regexp("^StaticLogs")}}),
		})
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{
				"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}))}),
		}, jsii.Number(2))
	})
}

// emptiesBucketOnDestroy reports whether st is the statement CDK adds for the custom
// resource that empties a bucket when it is deleted (AutoDeleteObjects).
func emptiesBucketOnDestroy(st map[string]any) bool {
	raw, _ := json.Marshal(st["Principal"])
	return strings.Contains(string(raw), "CustomS3AutoDeleteObjectsCustomResourceProviderRole")
}

// zoneOf matches the hosted zone id an environment's records go into: its own zone from
// its Dns stack (zoneID is the zone's construct id, "ApiZone" or "StaticZone") when it
// delegates, else the parent zone.
func zoneOf(env *stacks.Environment, zoneID string) any {
	if !env.Config.DelegatesDNS() {
		return env.Config.DNS.HostedZoneID
	}
	return map[string]any{"Fn::GetStackOutput": objectLike(map[string]any{
		"StackName": env.Config.StageName + "-Dns", "OutputName": regexp("^PublishOutputRef" + zoneID),
	})}
}

// The assets bucket is SSE-KMS encrypted by the Edge stack's key, named by its alias ARN
// (so the bucket does not depend on the key, and the key policy can name the distribution).
func TestEdgeAssetsAreEncryptedWithTheEdgeKeyByAlias(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		alias := "alias/garcon/static-assets/" + strings.ReplaceAll(env.Config.StaticDomain(), ".", "-")
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), map[string]any{
			"AliasName": alias, "TargetKeyId": map[string]any{"Fn::GetAtt": []any{regexp("^StaticAssetsKey"), "Arn"}},
		})
		assets := *tpl.FindResources(jsii.String("AWS::S3::Bucket"), map[string]any{
			"Properties": objectLike(map[string]any{"LoggingConfiguration": objectLike(map[string]any{"LogFilePrefix": "s3/assets/"})}),
		})
		require.Len(t, assets, 1)
		for _, raw := range assets {
			encryption := (*raw)["Properties"].(map[string]any)["BucketEncryption"]
			assert.Equal(t, map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled": true,
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm":   "aws:kms",
					"KMSMasterKeyID": "arn:aws:kms:us-east-1:" + env.Config.Account + ":" + alias,
				},
			}}}, encryption)
		}
	})
}

// CloudFront may decrypt with the assets key on behalf of this distribution only: the one
// service statement of the key policy names the distribution's ARN with StringEquals
// (CDK's OAC origin would admit every distribution of the account).
func TestEdgeAssetsKeyPolicyAdmitsOnlyThisDistribution(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		keys := *tpl.FindResources(jsii.String("AWS::KMS::Key"), map[string]any{
			"Properties": objectLike(map[string]any{"Description": "Garçon static assets of " + env.Config.StaticDomain()}),
		})
		require.Len(t, keys, 1)
		distributions := *tpl.FindResources(jsii.String("AWS::CloudFront::Distribution"), nil)
		require.Len(t, distributions, 1)
		var distribution string
		for id := range distributions {
			distribution = id
		}
		for _, raw := range keys {
			statements := (*raw)["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any)
			var services []any
			for _, s := range statements {
				if st := s.(map[string]any); st["Principal"].(map[string]any)["Service"] != nil {
					services = append(services, st)
				}
			}
			assert.Equal(t, []any{map[string]any{
				"Sid": "AllowThisDistributionThroughOAC", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
				"Action":    "kms:Decrypt", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
					"arn:aws:cloudfront::" + env.Config.Account + ":distribution/",
					map[string]any{"Ref": distribution},
				}}}}},
			}}, services)
		}
	})
}

// CloudFront standard logs need object ACLs and SSE-S3; the bucket is versioned like the
// other log bucket, and its logs expire after the configured retention.
func TestEdgeLogBucketIsVersionedAndAcceptsCloudFrontLogs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.Edge.Stack).HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"OwnershipControls":       map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "ObjectWriter"}}},
			"BucketEncryption":        map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LifecycleConfiguration": map[string]any{"Rules": []any{objectLike(map[string]any{
				"Id": "expire-logs", "ExpirationInDays": env.Config.Logs.RetentionDays,
			})}},
		})
	})
}

// The us-east-1 WAF logs are encrypted with the Edge stack's own logs key, which
// CloudWatch Logs of us-east-1 may use for this account's log groups only.
func TestEdgeWafLogsAreEncryptedWithTheEdgeLogsKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Edge.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"LogGroupName": objectLike(map[string]any{}),
			"KmsKeyId":     map[string]any{"Fn::GetAtt": []any{regexp("^LogsKey"), "Arn"}},
		})
		assertLogsKeyPolicy(t, tpl, "^LogsKey", "us-east-1", env.Config.Account)
	})
}
