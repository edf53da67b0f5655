package main

import (
	"fmt"
	"sort"
	"strings"
)

// The relations between resources that flows follow: the key of a secret, of a bucket,
// of a topic, of a log group; the secrets a task definition injects; the topics alarms
// notify. They are read from the evaluated templates, so they follow the code.

// ofType returns the environment's resources of type typ (bootstrap ones included when
// withBootstrap), sorted by name.
func (v *View) ofType(typ string, withBootstrap bool) []*Resource {
	var out []*Resource
	for _, st := range v.Stacks {
		if st.Environment != v.Env || (isBootstrap(st) && !withBootstrap) {
			continue
		}
		for _, r := range v.byStack[st] {
			if r.Type == typ {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// byARN returns the resource of the environment (or of any environment) with that ARN.
func (v *View) byARN(arn string) *Resource { return v.resByArn[arn] }

// key resolves a KmsKeyId-style reference (a key ARN, a key id or an alias name) to a
// key of the templates. It returns nil for no reference and an error for a key the
// templates do not hold (an AWS managed key such as alias/aws/sns: its policy is AWS's).
func (v *View) key(ref string, from *Resource) (*Resource, error) {
	if ref == "" {
		return nil, nil
	}
	for _, k := range v.Resources {
		if k.Type != "AWS::KMS::Key" {
			continue
		}
		if k.ARN == ref || (strings.HasSuffix(k.ARN, ":key/"+ref) && k.Account == from.Account && k.Region == from.Region) {
			return k, nil
		}
	}
	if strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		return v.aliasTarget(ref, from)
	}
	return nil, fmt.Errorf("%s is encrypted with %s, which is not a key of the templates", from.Name, ref)
}

// aliasTarget resolves an alias to the key an AWS::KMS::Alias of the templates names.
func (v *View) aliasTarget(ref string, from *Resource) (*Resource, error) {
	name := ref[strings.Index(ref, "alias/"):]
	for _, st := range v.Stacks {
		for _, id := range st.LogicalIDs() {
			a := v.byStack[st][id]
			if a == nil || a.Type != "AWS::KMS::Alias" || a.Account != from.Account || a.Region != from.Region {
				continue
			}
			if alias, err := v.PropString(a, "AliasName"); err == nil && alias == name {
				target, err := v.PropString(a, "TargetKeyId")
				if err != nil {
					return nil, err
				}
				return v.key(target, from)
			}
		}
	}
	return nil, fmt.Errorf("%s is encrypted with %s: an AWS managed key or an alias the templates do not define (tools/access cannot know its policy)", from.Name, ref)
}

// keyOf returns the customer managed key that encrypts r (nil when r is unencrypted or
// uses SSE-S3), following the property that names it for r's type.
func (v *View) keyOf(r *Resource) (*Resource, error) {
	var ref string
	var err error
	switch r.Type {
	case "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup":
		ref, err = v.PropString(r, "KmsKeyId")
		if ref == "" && err == nil && r.Type == "AWS::SecretsManager::Secret" {
			return nil, fmt.Errorf("%s uses the AWS managed key aws/secretsmanager, which tools/access does not model", r.Name)
		}
	case "AWS::SNS::Topic":
		ref, err = v.PropString(r, "KmsMasterKeyId")
	case "AWS::Backup::BackupVault":
		ref, err = v.PropString(r, "EncryptionKeyArn")
	case "AWS::S3::Bucket":
		return v.bucketKey(r)
	default:
		return nil, fmt.Errorf("no key relation for %s", r.Type)
	}
	if err != nil {
		return nil, err
	}
	return v.key(ref, r)
}

// bucketKey reads the bucket's default encryption: nil for SSE-S3, the key for SSE-KMS.
func (v *View) bucketKey(b *Resource) (*Resource, error) {
	enc, err := v.Prop(b, "BucketEncryption")
	if err != nil || enc == nil {
		return nil, err
	}
	rules := anyList(enc.(map[string]any)["ServerSideEncryptionConfiguration"])
	for _, rule := range rules {
		def, _ := rule.(map[string]any)["ServerSideEncryptionByDefault"].(map[string]any)
		if alg, _ := def["SSEAlgorithm"].(string); !strings.HasPrefix(alg, "aws:kms") {
			continue
		}
		ref, _ := def["KMSMasterKeyID"].(string)
		if ref == "" {
			ref = "alias/aws/s3"
		}
		return v.key(ref, b)
	}
	return nil, nil
}

// bucketKeyEnabled reports whether S3 Bucket Keys are on: KMS then sees the bucket ARN,
// not the object ARN, as encryption context.
func (v *View) bucketKeyEnabled(b *Resource) bool {
	enc, _ := v.Prop(b, "BucketEncryption")
	m, _ := enc.(map[string]any)
	for _, rule := range anyList(m["ServerSideEncryptionConfiguration"]) {
		if on, _ := rule.(map[string]any)["BucketKeyEnabled"].(bool); on {
			return true
		}
	}
	return false
}

// bucketNamed returns the bucket of the templates with that name.
func (v *View) bucketNamed(name, by string) (*Resource, error) {
	for _, b := range v.Resources {
		if b.Type == "AWS::S3::Bucket" && strings.HasSuffix(b.ARN, ":::"+name) {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s names bucket %s, which is not a bucket of the templates", by, name)
}

// injectedSecrets returns the secrets the task definition's containers have ECS inject
// (ContainerDefinitions[].Secrets[].ValueFrom), sorted by name.
func (v *View) injectedSecrets(task *Resource) ([]*Resource, error) {
	defs, err := v.Prop(task, "ContainerDefinitions")
	if err != nil {
		return nil, err
	}
	seen := map[*Resource]bool{}
	var out []*Resource
	for _, def := range anyList(defs) {
		for _, s := range anyList(def.(map[string]any)["Secrets"]) {
			from, _ := s.(map[string]any)["ValueFrom"].(string)
			secret := v.byARN(secretARN(from))
			if secret == nil || secret.Type != "AWS::SecretsManager::Secret" {
				return nil, fmt.Errorf("%s injects %s, which is not a secret of the templates", task.Name, from)
			}
			if !seen[secret] {
				seen[secret] = true
				out = append(out, secret)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// secretARN cuts a ValueFrom ("arn:…:secret:name-AbCdEf:json-key:stage:version") down to
// the secret's ARN.
func secretARN(valueFrom string) string {
	parts := strings.Split(valueFrom, ":")
	if len(parts) > 7 {
		parts = parts[:7]
	}
	return strings.Join(parts, ":")
}

// alarmsNotifying returns the ARNs of the environment's alarms whose actions publish to
// the topic, sorted.
func (v *View) alarmsNotifying(topic *Resource) ([]string, error) {
	var out []string
	for _, alarm := range v.ofType("AWS::CloudWatch::Alarm", false) {
		targets, err := v.alarmActions(alarm)
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			if t == topic.ARN {
				out = append(out, alarm.ARN)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// alarmActions returns every action ARN of an alarm (alarm, OK and insufficient data).
func (v *View) alarmActions(alarm *Resource) ([]string, error) {
	var out []string
	for _, prop := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
		actions, err := v.Prop(alarm, prop)
		if err != nil {
			return nil, err
		}
		out = append(out, stringList(actions)...)
	}
	return out, nil
}

// lbAttribute returns a load balancer attribute ("access_logs.s3.bucket").
func (v *View) lbAttribute(lb *Resource, key string) (string, error) {
	attrs, err := v.Prop(lb, "LoadBalancerAttributes")
	if err != nil {
		return "", err
	}
	for _, a := range anyList(attrs) {
		m, _ := a.(map[string]any)
		if m["Key"] == key {
			s, _ := m["Value"].(string)
			return s, nil
		}
	}
	return "", nil
}
