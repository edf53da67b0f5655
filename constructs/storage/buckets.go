package storage

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// LogBucketProps configures a log bucket.
type LogBucketProps struct {
	// RetentionDays expires log objects after this many days.
	RetentionDays int
	// SSES3Reason names the services that write to the bucket and require SSE-S3, in one
	// sentence; it is the reason recorded for the KMS-encryption rules.
	SSES3Reason string
	// ACLWriters keeps object ACLs enabled (object-writer ownership), for services that
	// deliver logs with an ACL grant, such as CloudFront standard logging.
	// Default: false (bucket-owner-enforced; S3 server access logs and ALB logs write
	// through the bucket policy).
	ACLWriters bool
	// RemovalPolicy applies to the bucket; DESTROY also empties it on delete.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewLogBucket creates a private, versioned, TLS-only bucket for service-delivered logs.
// It is SSE-S3 encrypted: S3 server access logging, load balancer logs and CloudFront
// standard logs cannot write to a bucket whose default encryption is SSE-KMS.
func NewLogBucket(scope constructs.Construct, id string, props LogBucketProps) awss3.Bucket {
	v := validation.For(scope, id)
	v.Require(props.SSES3Reason != "", "SSES3Reason", "is empty; allowed: one sentence naming the writers that require SSE-S3")
	v.Require(props.RetentionDays >= 1, "RetentionDays", fmt.Sprintf("is %d; allowed: at least 1", props.RetentionDays))
	v.Check()
	ownership := awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	if props.ACLWriters {
		ownership = awss3.ObjectOwnership_OBJECT_WRITER
	}
	bucket := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   ownership,
		// Versioned, so a log object overwritten or deleted by mistake can be recovered
		// until its noncurrent version expires.
		Versioned: jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(props.RetentionDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(7)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: props.RemovalPolicy,
		// A bucket deleted with its stack must be emptied first, or the delete fails.
		AutoDeleteObjects: jsii.Bool(props.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("This bucket is the access-log destination; logging it into itself would loop.")},
		{Id: jsii.String("NIST.800.53.R5-S3DefaultEncryptionKMS"), Reason: jsii.String(props.SSES3Reason)},
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("Logs serve diagnosis within their retention; losing a region's logs loses no customer data.")},
	}, jsii.Bool(false))
	return bucket
}

// PrivateBucketProps configures a private data bucket.
type PrivateBucketProps struct {
	// EncryptionKey is the SSE-KMS key (with an S3 bucket key). Grants on the bucket
	// include the key actions they need.
	EncryptionKey awskms.IKey
	// EncryptionKeyAliasArn names the SSE-KMS key by its alias ARN instead, so the bucket
	// does not depend on the key (to break a cycle, e.g. a key policy naming a
	// distribution that reads the bucket). The alias resolves in the writer's account:
	// use it only for buckets written by their own account. Grants on the bucket then
	// leave the key out. Exactly one of EncryptionKey and EncryptionKeyAliasArn is set.
	EncryptionKeyAliasArn *string
	// AccessLogs receives the bucket's server access logs under AccessLogsPrefix.
	AccessLogs       awss3.IBucket
	AccessLogsPrefix string
	// NoncurrentVersionDays expires overwritten or deleted versions.
	NoncurrentVersionDays int
	// ReplicationReason says, in one sentence, why the bucket needs no S3 replication
	// (what protects its objects against the loss of the region).
	ReplicationReason string
	// Cors are the bucket's CORS rules. Default: none.
	Cors []*awss3.CorsRule
	// RemovalPolicy applies to the bucket; DESTROY also empties it on delete.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewPrivateBucket creates a bucket that is never public, only reachable over TLS,
// versioned, SSE-KMS encrypted, access-logged, with object ACLs disabled.
func NewPrivateBucket(scope constructs.Construct, id string, props PrivateBucketProps) awss3.Bucket {
	v := validation.For(scope, id)
	v.Require((props.EncryptionKey == nil) != (props.EncryptionKeyAliasArn == nil), "EncryptionKey",
		"and EncryptionKeyAliasArn: exactly one is required; allowed: a customer-managed key, or its alias ARN")
	v.Require(props.AccessLogs != nil, "AccessLogs", "is required; allowed: a log bucket (NewLogBucket)")
	v.Require(props.ReplicationReason != "", "ReplicationReason", "is empty; allowed: one sentence on what protects the objects against the loss of the region")
	v.Require(props.NoncurrentVersionDays >= 1, "NoncurrentVersionDays", fmt.Sprintf("is %d; allowed: at least 1", props.NoncurrentVersionDays))
	v.Check()
	var cors *[]*awss3.CorsRule
	if len(props.Cors) > 0 {
		cors = &props.Cors
	}
	encryption := awss3.BucketEncryption_KMS
	if props.EncryptionKey == nil {
		encryption = awss3.BucketEncryption_S3_MANAGED // replaced by the alias below
	}
	bucket := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             encryption,
		EncryptionKey:          props.EncryptionKey,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: props.AccessLogs,
		ServerAccessLogsPrefix: jsii.String(props.AccessLogsPrefix),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-noncurrent-and-abort-multipart"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(props.NoncurrentVersionDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		Cors:          cors,
		RemovalPolicy: props.RemovalPolicy,
		// A bucket deleted with its stack must be emptied first, or the delete fails.
		AutoDeleteObjects: jsii.Bool(props.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})
	if props.EncryptionKeyAliasArn != nil {
		encryptWithAlias(bucket, props.EncryptionKeyAliasArn)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String(props.ReplicationReason)},
	}, jsii.Bool(false))
	return bucket
}

// encryptWithAlias makes keyAliasArn the bucket's default SSE-KMS key, with an S3 bucket
// key (one KMS call per bucket key instead of per object).
func encryptWithAlias(bucket awss3.Bucket, keyAliasArn *string) {
	bucket.Node().DefaultChild().(awss3.CfnBucket).SetBucketEncryption(&awss3.CfnBucket_BucketEncryptionProperty{
		ServerSideEncryptionConfiguration: &[]any{&awss3.CfnBucket_ServerSideEncryptionRuleProperty{
			ServerSideEncryptionByDefault: &awss3.CfnBucket_ServerSideEncryptionByDefaultProperty{
				SseAlgorithm:   jsii.String("aws:kms"),
				KmsMasterKeyId: keyAliasArn,
			},
			BucketKeyEnabled: jsii.Bool(true),
		}},
	})
}
