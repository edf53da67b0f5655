package main

import (
	"encoding/json"
	"fmt"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// resourceARNs says how to get the ARN of each modelled resource type: the attribute (or
// "" for Ref) that gives it. Resources of other types are still evaluated on demand (a
// task definition, a load balancer ...) but are not request targets.
var resourceARNs = map[string]string{
	"AWS::KMS::Key":                             "Arn",
	"AWS::SecretsManager::Secret":               "",
	"AWS::S3::Bucket":                           "Arn",
	"AWS::SNS::Topic":                           "",
	"AWS::Logs::LogGroup":                       "Arn",
	"AWS::Backup::BackupVault":                  "BackupVaultArn",
	"AWS::IAM::Role":                            "Arn",
	"AWS::CloudWatch::Alarm":                    "Arn",
	"AWS::RDS::DBInstance":                      "DBInstanceArn",
	"AWS::Route53::HostedZone":                  "",
	"AWS::CloudFront::Distribution":             "",
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "",
	"AWS::ECS::Cluster":                         "Arn",
	"AWS::ElastiCache::ReplicationGroup":        "",
}

// newResource evaluates the ARN of the resource id of st.
func (m *Model) newResource(st *cloudassembly.Stack, id string) *Resource {
	r := &Resource{
		Name: displayName(st, id), Type: st.Resources[id].Type, Account: st.Account, Region: st.Region,
		Env: st.Environment, Stack: st, LogicalID: id, Bootstrap: isBootstrap(st),
	}
	attr, ok := resourceARNs[r.Type]
	if !ok {
		return r
	}
	var v any
	var err error
	if attr == "" {
		v, err = m.eval.Eval(st, map[string]any{"Ref": id})
	} else {
		v, err = m.eval.Eval(st, map[string]any{"Fn::GetAtt": []any{id, attr}})
	}
	r.ARN, _ = v.(string)
	switch r.Type {
	case "AWS::Logs::LogGroup":
		r.ARN = trimLogGroupStar(r.ARN) // the log-group resource type has no ":*"
	case "AWS::Route53::HostedZone":
		r.ARN = "arn:" + cloudassembly.Partition(st.Region) + ":route53:::hostedzone/" + r.ARN
	case "AWS::CloudFront::Distribution":
		r.ARN = "arn:" + cloudassembly.Partition(st.Region) + ":cloudfront::" + st.Account + ":distribution/" + r.ARN
	case "AWS::ElastiCache::ReplicationGroup":
		r.ARN = "arn:" + cloudassembly.Partition(st.Region) + ":elasticache:" + st.Region + ":" + st.Account + ":replicationgroup:" + r.ARN
	}
	if err != nil {
		r.Err = err
	}
	return r
}

// Prop evaluates a property of r ("" path elements are not supported: one name).
func (m *Model) Prop(r *Resource, name string) (any, error) {
	v, ok := r.Stack.Resources[r.LogicalID].Properties[name]
	if !ok {
		return nil, nil
	}
	out, err := m.eval.Eval(r.Stack, v)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Name, name, err)
	}
	return out, nil
}

// PropString evaluates a string property of r ("" when absent).
func (m *Model) PropString(r *Resource, name string) (string, error) {
	v, err := m.Prop(r, name)
	if v == nil || err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s %s: wants a string, got %v", r.Name, name, v)
	}
	return s, nil
}

// attachPolicies sets the Policy of every resource from its own properties (key policy,
// vault access policy, trust policy) or from the policy resources that name it.
func (m *Model) attachPolicies() {
	for _, st := range m.Stacks {
		for _, id := range st.LogicalIDs() {
			r := m.byStack[st][id]
			if r == nil {
				continue
			}
			if err := m.attachPolicy(r); err != nil && r.Err == nil {
				r.Err = err
			}
		}
	}
}

// attachPolicy handles one resource: a resource with a policy of its own, or a policy
// resource (bucket policy, topic policy ...) that it attaches to its targets.
func (m *Model) attachPolicy(r *Resource) error {
	switch r.Type {
	case "AWS::KMS::Key":
		return m.ownPolicy(r, "KeyPolicy")
	case "AWS::Backup::BackupVault":
		return m.ownPolicy(r, "AccessPolicy")
	case "AWS::IAM::Role":
		return m.ownPolicy(r, "AssumeRolePolicyDocument")
	case "AWS::S3::BucketPolicy":
		return m.policyFor(r, "Bucket", "PolicyDocument", func(bucket string) string {
			return "arn:" + cloudassembly.Partition(r.Region) + ":s3:::" + bucket
		})
	case "AWS::SNS::TopicPolicy":
		return m.policyFor(r, "Topics", "PolicyDocument", nil)
	case "AWS::SecretsManager::ResourcePolicy":
		return m.policyFor(r, "SecretId", "ResourcePolicy", nil)
	case "AWS::Logs::ResourcePolicy":
		return m.logsPolicy(r)
	}
	return nil
}

func (m *Model) ownPolicy(r *Resource, prop string) error {
	doc, err := m.Prop(r, prop)
	r.Policy = doc
	return err
}

// policyFor attaches the document prop of the policy resource p to the resources its
// property target names (one ARN or name, or a list); arnOf turns a name into an ARN.
func (m *Model) policyFor(p *Resource, target, prop string, arnOf func(string) string) error {
	doc, err := m.Prop(p, prop)
	if err != nil {
		return err
	}
	names, err := m.Prop(p, target)
	if err != nil {
		return err
	}
	for _, n := range stringList(names) {
		arn := n
		if arnOf != nil {
			arn = arnOf(n)
		}
		r := m.resByArn[arn]
		if r == nil {
			return fmt.Errorf("%s names %s, which is not a resource of the assembly", p.Name, n)
		}
		if r.Policy != nil {
			return fmt.Errorf("%s: %s has two policies (%s is the second)", p.Name, r.Name, p.Name)
		}
		r.Policy = doc
	}
	return nil
}

// logsPolicy adds the statements of a CloudWatch Logs resource policy (a JSON string,
// account- and region-wide) to every log group of its account and region.
func (m *Model) logsPolicy(p *Resource) error {
	text, err := m.PropString(p, "PolicyDocument")
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return fmt.Errorf("%s: PolicyDocument is not JSON: %w", p.Name, err)
	}
	statements, _ := doc["Statement"].([]any)
	for _, r := range m.Resources {
		if r.Type != "AWS::Logs::LogGroup" || r.Account != p.Account || r.Region != p.Region {
			continue
		}
		if r.Policy == nil {
			r.Policy = map[string]any{"Version": "2012-10-17", "Statement": []any{}}
		}
		pol := r.Policy.(map[string]any)
		pol["Statement"] = append(pol["Statement"].([]any), statements...)
	}
	return nil
}

// stringList reads a string or a list of strings.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func trimLogGroupStar(arn string) string {
	if len(arn) > 2 && arn[len(arn)-2:] == ":*" {
		return arn[:len(arn)-2]
	}
	return arn
}
