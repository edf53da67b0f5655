package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// describers draw the main resource types; every other type is left out of the diagram.
var describers = map[string]func(a *cloudassembly.Assembly, st *cloudassembly.Stack, id string, p map[string]any) Node{
	"AWS::EC2::VPC": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		return Node{Label: "VPC\n" + cloudassembly.String(p["CidrBlock"]), Kind: "network"}
	},
	"AWS::EC2::NatGateway": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, _ map[string]any) Node {
		return Node{ID: "nat-gateways", Label: "NAT gateway", Kind: "network", Group: true}
	},
	"AWS::EC2::VPCEndpoint":                     describeEndpoint,
	"AWS::ElasticLoadBalancingV2::LoadBalancer": describeLoadBalancer,
	"AWS::ECS::Service":                         describeService,
	"AWS::RDS::DBInstance":                      describeDatabase,
	"AWS::ElastiCache::ReplicationGroup":        describeCache,
	"AWS::S3::Bucket": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, id string, _ map[string]any) Node {
		return Node{Label: "S3 bucket\n" + shortName(id), Kind: "storage"}
	},
	"AWS::CloudFront::Distribution": describeDistribution,
	"AWS::WAFv2::WebACL": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		rules, _ := p["Rules"].([]any)
		return Node{Label: fmt.Sprintf("WAF web ACL\n%s, %d rules", strings.ToLower(cloudassembly.String(p["Scope"])), len(rules)), Kind: "security"}
	},
	"AWS::Route53::RecordSet": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		name := strings.TrimSuffix(cloudassembly.String(p["Name"]), ".")
		return Node{ID: "alias-records", Label: "Route 53 alias records\n" + name, Kind: "dns", Group: true}
	},
	"AWS::Route53::HealthCheck": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		cfg, _ := p["HealthCheckConfig"].(map[string]any)
		target := cloudassembly.String(cfg["FullyQualifiedDomainName"]) + cloudassembly.String(cfg["ResourcePath"])
		return Node{Label: "Route 53 health check\n" + cloudassembly.String(cfg["Type"]) + " " + target, Kind: "dns"}
	},
	"AWS::Backup::BackupVault": func(_ *cloudassembly.Assembly, st *cloudassembly.Stack, id string, p map[string]any) Node {
		name := cloudassembly.String(p["BackupVaultName"])
		if name == "" || strings.HasPrefix(name, strings.ReplaceAll(st.Name, "/", "")) {
			name = shortName(id) // a generated name carries a hash: show the construct's name
		}
		return Node{Label: "Backup vault\n" + name, Kind: "storage"}
	},
	"AWS::Backup::BackupPlan": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		plan, _ := p["BackupPlan"].(map[string]any)
		return Node{Label: "Backup plan\n" + cloudassembly.String(plan["BackupPlanName"]), Kind: "storage"}
	},
	"AWS::KMS::Key": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, id string, _ map[string]any) Node {
		return Node{Label: "KMS key\n" + shortName(id), Kind: "security"}
	},
	"AWS::SNS::Topic": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, id string, _ map[string]any) Node {
		return Node{Label: "SNS topic\n" + shortName(id), Kind: "ops"}
	},
	"AWS::IAM::OIDCProvider": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
		return Node{Label: "OIDC provider\n" + strings.TrimPrefix(cloudassembly.String(p["Url"]), "https://"), Kind: "security"}
	},
	"AWS::Serverless::Application": func(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, id string, _ map[string]any) Node {
		return Node{Label: "Secret rotation function\n" + shortName(id), Kind: "compute"}
	},
}

// describe returns the node a resource is drawn as, or false when it is not a main
// resource. IAM roles are drawn only when an OIDC provider may assume them (CI roles).
func describe(a *cloudassembly.Assembly, st *cloudassembly.Stack, id string, r cloudassembly.Resource) (Node, bool) {
	fn, ok := describers[r.Type]
	if r.Type == "AWS::IAM::Role" && trustsOIDC(a, st, r.Properties) {
		fn, ok = describeOIDCRole, true
	}
	if !ok {
		return Node{}, false
	}
	n := fn(a, st, id, r.Properties)
	key := n.ID
	if key == "" {
		key = id
	}
	n.ID, n.Stack = st.Name+"/"+key, st.Name
	return n, true
}

func describeOIDCRole(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, id string, _ map[string]any) Node {
	return Node{Label: "IAM role (GitHub OIDC)\n" + shortName(id), Kind: "security"}
}

// trustsOIDC reports whether the role's trust policy names an OIDC provider of the
// assembly as a federated principal.
func trustsOIDC(a *cloudassembly.Assembly, st *cloudassembly.Stack, p map[string]any) bool {
	for _, t := range a.References(st, p["AssumeRolePolicyDocument"]) {
		if t.Resource().Type == "AWS::IAM::OIDCProvider" {
			return true
		}
	}
	return false
}

func describeEndpoint(_ *cloudassembly.Assembly, st *cloudassembly.Stack, _ string, p map[string]any) Node {
	service := endpointService(p["ServiceName"], st.Region)
	if cloudassembly.String(p["VpcEndpointType"]) == "Interface" {
		return Node{ID: "interface-endpoints", Label: "Interface endpoints\n" + service, Kind: "network", Group: true}
	}
	return Node{ID: "gateway-endpoint-" + service, Label: "Gateway endpoint\n" + service, Kind: "network"}
}

// endpointService shortens "com.amazonaws.eu-west-3.ecr.api" (or a Join ending in ".s3")
// to "ecr.api".
func endpointService(v any, region string) string {
	if s := cloudassembly.String(v); s != "" {
		return strings.TrimPrefix(s, "com.amazonaws."+region+".")
	}
	if m, ok := v.(map[string]any); ok {
		if join, ok := m["Fn::Join"].([]any); ok && len(join) == 2 {
			if parts, ok := join[1].([]any); ok && len(parts) > 0 {
				return strings.TrimPrefix(cloudassembly.String(parts[len(parts)-1]), ".")
			}
		}
	}
	return "?"
}

func describeLoadBalancer(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
	scheme := cloudassembly.String(p["Scheme"])
	if scheme == "" {
		scheme = "internet-facing"
	}
	return Node{Label: "Application Load Balancer\n" + scheme + ", " + cloudassembly.String(p["IpAddressType"]), Kind: "network"}
}

func describeService(a *cloudassembly.Assembly, st *cloudassembly.Stack, _ string, p map[string]any) Node {
	label := "ECS service (" + strings.ToLower(cloudassembly.String(p["LaunchType"])) + ")"
	desired, _ := cloudassembly.Number(p["DesiredCount"])
	detail := fmt.Sprintf("%g tasks", desired)
	if desired == 1 {
		detail = "1 task"
	}
	if td, ok := a.Resolve(st, p["TaskDefinition"]); ok {
		tp := td.Resource().Properties
		cpu, _ := cloudassembly.Number(tp["Cpu"])
		mem, _ := cloudassembly.Number(tp["Memory"])
		detail += fmt.Sprintf(", %g vCPU / %g GB", cpu/1024, mem/1024)
		if platform, ok := tp["RuntimePlatform"].(map[string]any); ok {
			detail += ", " + cloudassembly.String(platform["CpuArchitecture"])
		}
	}
	return Node{Label: label + "\n" + detail, Kind: "compute"}
}

func describeDatabase(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
	class := cloudassembly.String(p["DBInstanceClass"])
	if _, replica := p["SourceDBInstanceIdentifier"]; replica {
		return Node{Label: "PostgreSQL read replica\n" + class, Kind: "database"}
	}
	az := "single-AZ"
	if cloudassembly.Bool(p["MultiAZ"]) {
		az = "Multi-AZ"
	}
	return Node{Label: fmt.Sprintf("PostgreSQL %s writer\n%s, %s", cloudassembly.String(p["EngineVersion"]), class, az), Kind: "database"}
}

func describeCache(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
	nodes, _ := cloudassembly.Number(p["NumCacheClusters"])
	return Node{Label: fmt.Sprintf("Redis %s\n%g × %s", cloudassembly.String(p["EngineVersion"]), nodes, cloudassembly.String(p["CacheNodeType"])), Kind: "database"}
}

func describeDistribution(_ *cloudassembly.Assembly, _ *cloudassembly.Stack, _ string, p map[string]any) Node {
	cfg, _ := p["DistributionConfig"].(map[string]any)
	aliases, _ := cfg["Aliases"].([]any)
	name := ""
	if len(aliases) > 0 {
		name = cloudassembly.String(aliases[0])
	}
	return Node{Label: "CloudFront distribution\n" + name, Kind: "network"}
}
