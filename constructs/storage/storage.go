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

	logs := NewLogBucket(c, "Logs", LogBucketProps{
		RetentionDays: p.LogRetentionDays, RemovalPolicy: p.RemovalPolicy,
		SSES3Reason: "S3 server access logs of the uploads bucket and the API load balancer's access logs are delivered only to SSE-S3 buckets.",
	})
	uploads := NewPrivateBucket(c, "Uploads", PrivateBucketProps{
		EncryptionKey:         p.EncryptionKey,
		AccessLogs:            logs,
		AccessLogsPrefix:      "s3/uploads/",
		NoncurrentVersionDays: p.NoncurrentVersionDays,
		ReplicationReason:     "AWS Backup backs the uploads up daily and copies each recovery point to the DR region's vault.",
		Cors: []*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: jsii.Strings(p.CorsOrigins...),
			AllowedHeaders: jsii.Strings("content-type", "content-length", "x-amz-*"),
			ExposedHeaders: jsii.Strings("ETag"),
			MaxAge:         jsii.Number(3000),
		}},
		RemovalPolicy: p.RemovalPolicy,
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
