// Package edge provides the static-assets delivery of an environment: a private S3 bucket
// served only through a CloudFront distribution (Origin Access Control), with its own
// certificate, WAF, security headers, logging and DNS records. The construct belongs in a
// us-east-1 stack, where CloudFront requires its certificate and WAF.
package edge

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/constructs/dns"
	"github.com/garcon/infrastructure/constructs/storage"
	"github.com/garcon/infrastructure/internal/validation"
)

// Props configures Edge.
type Props struct {
	// HostedZone holds the static host's records and validates its certificate.
	HostedZone awsroute53.IHostedZone
	// DomainName is the static host's fully qualified name, inside HostedZone, e.g.
	// "static.garcon.app".
	DomainName string
	// PriceClass limits the edge locations.
	PriceClass awscloudfront.PriceClass
	// WebACLArn is the CLOUDFRONT-scope web ACL protecting the distribution.
	WebACLArn *string
	// LogRetentionDays expires CloudFront access logs.
	LogRetentionDays int
	// RemovalPolicy applies to the buckets.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Edge is the static-assets bucket and its distribution.
type Edge struct {
	constructs.Construct
	// Assets is the private bucket the front-end pipeline uploads to.
	Assets awss3.Bucket
	// AssetsKey encrypts Assets (SSE-KMS); only this distribution may decrypt through it.
	AssetsKey awskms.Key
	// Logs receives the distribution's standard logs.
	Logs awss3.Bucket
	// Distribution serves Assets on DomainName.
	Distribution awscloudfront.Distribution
	// DomainName is the static host's fully qualified name.
	DomainName string
}

// New creates the buckets, certificate, distribution and DNS records.
func New(scope constructs.Construct, id string, props *Props) *Edge {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	domain := props.DomainName

	// CloudFront standard logging writes with an ACL grant: ACLs must stay enabled.
	logs := storage.NewLogBucket(c, "Logs", storage.LogBucketProps{
		RetentionDays: props.LogRetentionDays, ACLWriters: true, RemovalPolicy: removal,
		SSES3Reason: "It also receives the assets bucket's S3 server access logs, which S3 delivers only to SSE-S3 buckets.",
	})
	assetsKey, assetsKeyAlias := newAssetsKey(c, domain, removal)
	assets := storage.NewPrivateBucket(c, "Assets", storage.PrivateBucketProps{
		// By alias, not by key: see newAssetsKey.
		EncryptionKeyAliasArn: assetsKeyAlias,
		AccessLogs:            logs,
		AccessLogsPrefix:      "s3/assets/",
		NoncurrentVersionDays: 30,
		ReplicationReason:     "Static assets are build outputs that the front-end pipeline uploads again from the repository.",
		RemovalPolicy:         removal,
	})

	certificate := dns.Certificate(c, props.HostedZone, domain)
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String(fmt.Sprintf("Security headers of %s", domain)),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)), IncludeSubdomains: jsii.Bool(true),
				Preload: jsii.Bool(true), Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
		},
	})
	// A private bucket answers 403 for a missing key; show the same not-found page for both.
	notFound := func(status float64) *awscloudfront.ErrorResponse {
		return &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(status), ResponseHttpStatus: jsii.Number(404),
			ResponsePagePath: jsii.String("/404.html"), Ttl: awscdk.Duration_Minutes(jsii.Number(1)),
		}
	}
	distribution := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Static assets of " + domain),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			// Origin Access Control: the bucket policy admits this distribution only.
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(assets, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
		},
		DomainNames:            jsii.Strings(domain),
		Certificate:            certificate,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:             jsii.Bool(true),
		PriceClass:             props.PriceClass,
		WebAclId:               props.WebACLArn,
		DefaultRootObject:      jsii.String("index.html"),
		ErrorResponses:         &[]*awscloudfront.ErrorResponse{notFound(403), notFound(404)},
		EnableLogging:          jsii.Bool(true),
		LogBucket:              logs,
		LogFilePrefix:          jsii.String("cloudfront/"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(distribution, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("Static assets of a public ordering app are served worldwide; abuse is handled by WAF, not by geography.")},
	}, jsii.Bool(false))

	allowDistributionToDecrypt(assetsKey, distribution)
	dns.Aliases(c, props.HostedZone, domain, awsroute53targets.NewCloudFrontTarget(distribution))

	return &Edge{Construct: c, Assets: assets, AssetsKey: assetsKey, Logs: logs, Distribution: distribution, DomainName: domain}
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	if p.HostedZone == nil {
		v.Addf("HostedZone", "is required; allowed: the zone of this account that holds the static host's records")
	} else if zone := p.HostedZone.ZoneName(); zone != nil && !dns.InZone(p.DomainName, *zone) {
		v.Addf("DomainName", "%q is not inside the zone %s; allowed: a name in it, e.g. static.%s", p.DomainName, *zone, *zone)
	}
	v.Require(p.DomainName != "", "DomainName", "is empty; allowed: the static host's fully qualified name")
	v.Require(p.WebACLArn != nil, "WebACLArn", "is required; allowed: the ARN of a CLOUDFRONT-scope web ACL")
	v.Require(p.LogRetentionDays >= 1, "LogRetentionDays", fmt.Sprintf("is %d; allowed: at least 1", p.LogRetentionDays))
	v.Require(p.PriceClass != "", "PriceClass", "is required; allowed: an awscloudfront.PriceClass")
	if region := awscdk.Stack_Of(scope).Region(); !*awscdk.Token_IsUnresolved(region) && *region != "us-east-1" {
		v.Addf("scope", "is in %s; allowed: a us-east-1 stack (CloudFront takes its certificate and web ACL from there)", *region)
	}
	return v
}
