// Package storage provides the environment's buckets: the uploads bucket the API hands
// presigned PUT URLs for, and the logs bucket that receives S3 server access logs (and,
// later, load balancer and CloudFront logs).
package storage

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// Props configures Storage.
type Props struct {
	// EncryptionKey encrypts uploaded objects (SSE-KMS with an S3 bucket key).
	EncryptionKey awskms.IKey
	// CorsOrigins are the browser origins allowed to PUT to presigned URLs, e.g.
	// "https://staging-static.garcon.app". No wildcards.
	CorsOrigins []string
	// LogRetentionDays expires access logs after this many days.
	LogRetentionDays int
	// NoncurrentVersionDays expires overwritten or deleted upload versions.
	// Default: 30.
	NoncurrentVersionDays int
	// RemovalPolicy applies to both buckets.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Storage holds the uploads and logs buckets.
type Storage struct {
	constructs.Construct
	// Uploads stores user uploads (menu photos); private, versioned, KMS-encrypted.
	Uploads awss3.Bucket
	// Logs receives access logs. It uses S3-managed encryption because S3 server access
	// logging and load balancer logs cannot write to KMS-encrypted buckets.
	Logs awss3.Bucket
}

// New creates the logs bucket and the uploads bucket.
func New(scope constructs.Construct, id string, props *Props) *Storage {
	p := props.withDefaults()
	p.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))

	logs := awss3.NewBucket(c, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(p.LogRetentionDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(7)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: p.RemovalPolicy,
		// A bucket deleted with its stack must be emptied first, or the delete fails.
		AutoDeleteObjects: jsii.Bool(p.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(logs, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("This bucket is the access-log destination; logging it into itself would loop.")},
	}, jsii.Bool(false))

	uploads := awss3.NewBucket(c, jsii.String("Uploads"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          p.EncryptionKey,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("s3/uploads/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-noncurrent-and-abort-multipart"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(p.NoncurrentVersionDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: jsii.Strings(p.CorsOrigins...),
			AllowedHeaders: jsii.Strings("content-type", "content-length", "x-amz-*"),
			ExposedHeaders: jsii.Strings("ETag"),
			MaxAge:         jsii.Number(3000),
		}},
		RemovalPolicy: p.RemovalPolicy,
		// A bucket deleted with its stack must be emptied first, or the delete fails.
		AutoDeleteObjects: jsii.Bool(p.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})
	return &Storage{Construct: c, Uploads: uploads, Logs: logs}
}

func (p *Props) withDefaults() Props {
	out := *p
	if out.NoncurrentVersionDays == 0 {
		out.NoncurrentVersionDays = 30
	}
	if out.RemovalPolicy == "" {
		out.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return out
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.EncryptionKey != nil, "EncryptionKey", "is required; allowed: a customer-managed KMS key (uploads are always SSE-KMS)")
	v.Require(len(p.CorsOrigins) > 0, "CorsOrigins", "is empty; allowed: one or more https:// origins")
	v.Require(p.LogRetentionDays >= 1, "LogRetentionDays", fmt.Sprintf("is %d; allowed: at least 1", p.LogRetentionDays))
	for _, origin := range p.CorsOrigins {
		v.Require(strings.HasPrefix(origin, "https://") && len(origin) > len("https://") && !strings.Contains(origin, "*"), "CorsOrigins",
			fmt.Sprintf("%q is not allowed; allowed: https:// origins without wildcards", origin))
	}
	return v
}
