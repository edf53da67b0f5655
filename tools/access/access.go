package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// The requests flows make. "Effective access" often takes several calls, all of which
// AWS must allow: reading a secret is secretsmanager:GetSecretValue and kms:Decrypt of
// its key through Secrets Manager; writing an SSE-KMS object is s3:PutObject and
// kms:GenerateDataKey through S3. Each request carries the context AWS would set.

// req is a request on resource r's own ARN, with r's policy.
func req(action string, r *Resource, ctx map[string]any) Request {
	return Request{Action: action, On: r, ARN: r.ARN, Account: r.Account, Policy: r.Policy, Context: ctx}
}

// viaService is the kms:ViaService of calls a service makes for a principal.
func viaService(service, region string) string {
	return service + "." + region + "." + cloudassembly.URLSuffix(region)
}

// keyRequests are the requests on key k that a principal's call through service makes
// (with the encryption context ctx); for a service principal the service itself calls
// KMS, so there is no kms:ViaService.
func keyRequests(p *Principal, k *Resource, service string, ctx map[string]any, actions ...string) ([]Request, error) {
	if k == nil {
		return nil, nil
	}
	if k.Err != nil {
		return nil, k.Err
	}
	c := map[string]any{}
	for key, val := range ctx {
		c[key] = val
	}
	if p.Kind != KindService && service != "" {
		c["kms:ViaService"] = viaService(service, k.Region)
	}
	out := make([]Request, len(actions))
	for i, a := range actions {
		out[i] = req(a, k, c)
	}
	return out, nil
}

// ReadSecret is secretsmanager:GetSecretValue on the secret and kms:Decrypt of its key
// through Secrets Manager (encryption context SecretARN).
func ReadSecret() How {
	return How{Desc: "read a secret", Of: func(v *View, p *Principal, s *Resource) ([]Request, error) {
		k, err := v.keyOf(s)
		if err != nil {
			return nil, err
		}
		kms, err := keyRequests(p, k, "secretsmanager", map[string]any{"kms:EncryptionContext:SecretARN": s.ARN}, "kms:Decrypt")
		return append([]Request{req("secretsmanager:GetSecretValue", s, nil)}, kms...), err
	}}
}

// object is a request on the object key of bucket b, with the KMS requests SSE-KMS adds.
func object(v *View, p *Principal, b *Resource, action, key string, kmsActions ...string) ([]Request, error) {
	if b.Type != bucketType {
		return nil, fmt.Errorf("%s is not a bucket", b.Name)
	}
	q := req(action, b, nil)
	q.ARN = b.ARN + "/" + key
	k, err := v.bucketKey(b)
	if err != nil || len(kmsActions) == 0 {
		return []Request{q}, err
	}
	ctx := q.ARN
	if v.bucketKeyEnabled(b) {
		ctx = b.ARN
	}
	kms, err := keyRequests(p, k, "s3", map[string]any{"kms:EncryptionContext:aws:s3:arn": ctx}, kmsActions...)
	return append([]Request{q}, kms...), err
}

// GetObject reads the object key (and decrypts it, for SSE-KMS).
func GetObject(key string) How {
	return How{Desc: "read an object", Of: func(v *View, p *Principal, b *Resource) ([]Request, error) {
		return object(v, p, b, "s3:GetObject", key, "kms:Decrypt")
	}}
}

// PutObject writes the object key (and generates its data key, for SSE-KMS).
func PutObject(key string) How {
	return How{Desc: "write an object", Of: func(v *View, p *Principal, b *Resource) ([]Request, error) {
		return object(v, p, b, "s3:PutObject", key, "kms:GenerateDataKey")
	}}
}

// DeleteObject deletes the object key.
func DeleteObject(key string) How {
	return How{Desc: "delete an object", Of: func(v *View, p *Principal, b *Resource) ([]Request, error) {
		return object(v, p, b, "s3:DeleteObject", key)
	}}
}

// Publish is sns:Publish on the topic and, for an encrypted topic, kms:GenerateDataKey
// and kms:Decrypt of its key.
func Publish() How {
	return How{Desc: "publish", Of: func(v *View, p *Principal, t *Resource) ([]Request, error) {
		return publish(v, p, t, nil)
	}}
}

func publish(v *View, p *Principal, t *Resource, ctx map[string]any) ([]Request, error) {
	k, err := v.keyOf(t)
	if err != nil {
		return nil, err
	}
	kms, err := keyRequests(p, k, "sns", ctx, "kms:GenerateDataKey", "kms:Decrypt")
	return append([]Request{req("sns:Publish", t, ctx)}, kms...), err
}

// PublishAsAlarm is Publish made by CloudWatch for an alarm of the environment that
// notifies the topic: aws:SourceAccount is the alarm's account, aws:SourceArn its ARN.
func PublishAsAlarm() How {
	return How{Desc: "publish an alarm", Of: func(v *View, p *Principal, t *Resource) ([]Request, error) {
		alarms, err := v.alarmsNotifying(t)
		if err != nil {
			return nil, err
		}
		if len(alarms) == 0 {
			return nil, fmt.Errorf("no alarm notifies %s", t.Name)
		}
		ctx := map[string]any{"aws:SourceAccount": arnAccount(alarms[0]), "aws:SourceArn": alarms[0]}
		return publish(v, p, t, ctx)
	}}
}

// LogsUseKey is what CloudWatch Logs does with the key of an encrypted log group:
// kms:Encrypt, kms:GenerateDataKey and kms:Decrypt, with the log group's ARN as the
// encryption context kms:EncryptionContext:aws:logs:arn. (The key policy AWS documents
// for CloudWatch Logs puts kms:Describe* under that same condition, which a DescribeKey
// call cannot meet: Logs does not depend on it, and neither does this row.)
func LogsUseKey() How {
	return How{Desc: "use the log group's key", Of: func(v *View, p *Principal, lg *Resource) ([]Request, error) {
		k, err := v.keyOf(lg)
		if err != nil {
			return nil, err
		}
		if k == nil {
			return nil, fmt.Errorf("%s names no key", lg.Name)
		}
		ctx := map[string]any{"kms:EncryptionContext:aws:logs:arn": lg.ARN}
		return keyRequests(p, k, "", ctx, "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")
	}}
}

// WriteAccessLogs is the load balancer's log delivery writing a log file under the
// access-log prefix the load balancer is configured with.
func WriteAccessLogs() How {
	return How{Desc: "deliver access logs", Of: func(v *View, p *Principal, lb *Resource) ([]Request, error) {
		name, err := v.lbAttribute(lb, "access_logs.s3.bucket")
		if err != nil {
			return nil, err
		}
		prefix, err := v.lbAttribute(lb, "access_logs.s3.prefix")
		if err != nil {
			return nil, err
		}
		b, err := v.bucketNamed(name, lb.Name)
		if err != nil {
			return nil, err
		}
		key := strings.TrimPrefix(prefix+"/", "/") + "AWSLogs/" + lb.Account + "/elasticloadbalancing/" + lb.Region +
			"/2026/01/01/" + lb.Account + "_elasticloadbalancing_" + lb.Region + "_app.example_20260101T0000Z_192.0.2.1_x.log.gz"
		reqs, err := object(v, p, b, "s3:PutObject", key)
		if p.Kind == KindService {
			for i := range reqs {
				reqs[i].Context = map[string]any{"aws:SourceAccount": lb.Account, "aws:SourceArn": lb.ARN}
			}
		}
		return reqs, err
	}}
}

// ServeOrigins is CloudFront, signing for the distribution whose ARN source returns,
// reading an object of each S3 origin of the distribution (and decrypting it, for
// SSE-KMS).
func ServeOrigins(source func(dist *Resource) string) How {
	return How{Desc: "read the origins", Of: func(v *View, p *Principal, d *Resource) ([]Request, error) {
		buckets, err := v.originBuckets(d)
		if err != nil {
			return nil, err
		}
		if len(buckets) == 0 {
			return nil, fmt.Errorf("%s has no S3 origin", d.Name)
		}
		ctx := map[string]any{"aws:SourceArn": source(d), "aws:SourceAccount": d.Account}
		var out []Request
		for _, b := range buckets {
			reqs, err := object(v, p, b, "s3:GetObject", "index.html", "kms:Decrypt")
			if err != nil {
				return nil, err
			}
			for i := range reqs {
				reqs[i].Context = merge(reqs[i].Context, ctx)
			}
			out = append(out, reqs...)
		}
		return out, nil
	}}
}

// ThisDistribution is the distribution's own ARN.
func ThisDistribution(d *Resource) string { return d.ARN }

// AnotherDistribution is the ARN of a distribution of the same account that is not d.
func AnotherDistribution(d *Resource) string {
	return d.ARN[:strings.LastIndex(d.ARN, "/")+1] + "EOTHERDISTRIB1"
}

// originBuckets returns the buckets behind the distribution's S3 origins (their
// DomainName is a bucket's regional or global domain name).
func (v *View) originBuckets(d *Resource) ([]*Resource, error) {
	cfg, err := v.Prop(d, "DistributionConfig")
	if err != nil {
		return nil, err
	}
	var out []*Resource
	for _, o := range anyList(cfg.(map[string]any)["Origins"]) {
		origin := o.(map[string]any)
		if _, s3 := origin["S3OriginConfig"]; !s3 {
			continue
		}
		host, _ := origin["DomainName"].(string)
		name, _, _ := strings.Cut(host, ".s3.")
		b, err := v.bucketNamed(name, d.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// CopyIntoVault is AWS Backup copying a recovery point into the vault with the plan's
// role: backup:CopyIntoBackupVault (the vault's access policy applies), and on the vault's
// key the calls AWS's own AWSBackupServiceRolePolicyForBackup grants for customer managed
// keys: kms:CreateGrant for an AWS resource, and kms:DescribeKey, through AWS Backup.
func CopyIntoVault() How {
	return How{Desc: "copy into the vault", Of: func(v *View, p *Principal, vault *Resource) ([]Request, error) {
		k, err := v.keyOf(vault)
		if err != nil {
			return nil, err
		}
		grant, err := keyRequests(p, k, "backup", map[string]any{"kms:GrantIsForAWSResource": "true"}, "kms:CreateGrant")
		if err != nil {
			return nil, err
		}
		describe, err := keyRequests(p, k, "backup", nil, "kms:DescribeKey")
		return append(append([]Request{req("backup:CopyIntoBackupVault", vault, nil)}, grant...), describe...), err
	}}
}

// AssumeRole is sts:AssumeRole of the role, which its trust policy decides.
func AssumeRole() How {
	return How{Desc: "assume the role", Of: func(_ *View, _ *Principal, r *Resource) ([]Request, error) {
		if r.Type != roleType {
			return nil, fmt.Errorf("%s is not a role", r.Name)
		}
		return []Request{req("sts:AssumeRole", r, nil)}, nil
	}}
}

// Do is one action on the resource's own ARN, or on an object of a bucket, or on a
// stream of a log group, as the action's resource type requires.
func Do(action string) How {
	return How{Desc: action, Of: func(_ *View, _ *Principal, r *Resource) ([]Request, error) {
		q := req(action, r, nil)
		switch {
		case r.Type == bucketType && strings.Contains(strings.ToLower(action), "object"):
			q.ARN = r.ARN + "/any-object"
		case r.Type == logType && action == "logs:GetLogEvents":
			q.ARN = r.ARN + ":log-stream:any-stream"
		}
		return []Request{q}, nil
	}}
}

// WithoutTLS makes every request of h a plain-HTTP one (aws:SecureTransport false).
func WithoutTLS(h How) How {
	return How{Desc: h.Desc + " without TLS", Of: func(v *View, p *Principal, r *Resource) ([]Request, error) {
		reqs, err := h.Of(v, p, r)
		for i := range reqs {
			reqs[i].Context = merge(reqs[i].Context, map[string]any{"aws:SecureTransport": "false"})
		}
		return reqs, err
	}}
}

func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
