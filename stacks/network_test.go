package stacks_test

import (
	re "regexp"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

func TestNetworkVpcUsesConfiguredCidr(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{
			"CidrBlock":          env.Config.Network.VpcCidr,
			"EnableDnsHostnames": true,
			"EnableDnsSupport":   true,
		})
	})
}

func TestNetworkHasThreeSubnetTiersPerZone(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		subnets := tpl.FindResources(jsii.String("AWS::EC2::Subnet"), nil)
		tiers := map[string][]string{} // tier name → AZs
		for _, raw := range *subnets {
			props := (*raw)["Properties"].(map[string]any)
			tiers[tagValue(props, "aws-cdk:subnet-name")] = append(tiers[tagValue(props, "aws-cdk:subnet-name")], props["AvailabilityZone"].(string))
		}
		require.Len(t, tiers, 3, "subnet tiers: %v", tiers)
		for _, tier := range []string{"public", "private", "isolated"} {
			assert.ElementsMatch(t, env.Config.AvailabilityZones, tiers[tier], "tier %s must have one subnet per configured zone", tier)
		}
		// No subnet hands out public IPv4 addresses (billed, and nothing should have one but the
		// load balancer and NAT gateways, which get their own); every subnet has an IPv6 /64.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::Subnet"), map[string]any{
			"MapPublicIpOnLaunch": false,
			"Ipv6CidrBlock":       assertions.Match_AnyValue(),
		}, jsii.Number(3*len(env.Config.AvailabilityZones)))
	})
}

func TestNetworkNatGatewayCountFollowsConfig(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(env.Config.Network.NatGateways))
		// Every private subnet routes to the internet through a NAT gateway.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::Route"), map[string]any{
			"DestinationCidrBlock": "0.0.0.0/0",
			"NatGatewayId":         assertions.Match_AnyValue(),
		}, jsii.Number(len(env.Config.AvailabilityZones)))
	})
	assert.Equal(t, 1, envByName(t, "staging").Config.Network.NatGateways, "staging is sized for cost")
	prod := envByName(t, "production").Config
	assert.Equal(t, len(prod.AvailabilityZones), prod.Network.NatGateways, "production has a NAT gateway per zone")
}

func TestNetworkIsDualStack(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCCidrBlock"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCCidrBlock"), map[string]any{"AmazonProvidedIpv6CidrBlock": true})
		azs := len(env.Config.AvailabilityZones)
		// Public subnets reach IPv6 through the internet gateway, private ones through the
		// egress-only gateway (no inbound); isolated subnets have no IPv6 route out.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::Route"), map[string]any{
			"DestinationIpv6CidrBlock": "::/0", "GatewayId": assertions.Match_AnyValue(),
		}, jsii.Number(azs))
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::Route"), map[string]any{
			"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": assertions.Match_AnyValue(),
		}, jsii.Number(azs))
	})
}

func TestNetworkFlowLogsCaptureAllTrafficWithRetention(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourceCountIs(jsii.String("AWS::EC2::FlowLog"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
			"ResourceType":       "VPC",
			"TrafficType":        "ALL",
			"LogDestinationType": "cloud-watch-logs",
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"RetentionInDays": env.Config.Logs.FlowLogRetentionDays,
		})
	})
}

func TestNetworkFlowLogsRetainedInProductionOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		want := "Delete"
		if env.Config.IsProtected() {
			want = "Retain"
		}
		templateOf(env.Network.Stack).HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"DeletionPolicy": want,
		})
	})
}

func TestNetworkHasS3GatewayEndpoint(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::VPCEndpoint"),
			map[string]any{"VpcEndpointType": "Gateway"}, jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"VpcEndpointType": "Gateway",
			"ServiceName": map[string]any{"Fn::Join": []any{"", []any{
				"com.amazonaws.", map[string]any{"Ref": "AWS::Region"}, ".s3",
			}}},
		})
	})
}

func TestNetworkInterfaceEndpointsFollowConfig(t *testing.T) {
	services := []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		want := 0
		if env.Config.Network.InterfaceEndpoints {
			want = len(services)
		}
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::VPCEndpoint"),
			map[string]any{"VpcEndpointType": "Interface"}, jsii.Number(want))
		if want == 0 {
			return
		}
		for _, svc := range services {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
				"VpcEndpointType":   "Interface",
				"PrivateDnsEnabled": true,
				"ServiceName":       "com.amazonaws." + env.Config.Region + "." + svc,
			})
		}
		// Endpoint security groups accept HTTPS from the VPC's own block only.
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupIngress": []any{map[string]any{
				"CidrIp":     env.Config.Network.VpcCidr,
				"FromPort":   443,
				"ToPort":     443,
				"IpProtocol": "tcp",
			}},
		})
	})
	assert.False(t, envByName(t, "staging").Config.Network.InterfaceEndpoints)
	assert.True(t, envByName(t, "production").Config.Network.InterfaceEndpoints)
}

func TestNetworkDefaultSecurityGroupIsLockedDown(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.ResourceCountIs(jsii.String("Custom::VpcRestrictDefaultSG"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("Custom::VpcRestrictDefaultSG"), map[string]any{
			"DefaultSecurityGroupId": map[string]any{"Fn::GetAtt": []any{assertions.Match_AnyValue(), "DefaultSecurityGroup"}},
		})
	})
}

func tagValue(props map[string]any, key string) string {
	tags, _ := props["Tags"].([]any)
	for _, raw := range tags {
		tag := raw.(map[string]any)
		if tag["Key"] == key {
			return tag["Value"].(string)
		}
	}
	return ""
}

func envByName(t *testing.T, name string) *stacks.Environment {
	t.Helper()
	for _, env := range envs {
		if env.Config.Name == name {
			return env
		}
	}
	t.Fatalf("no environment %q", name)
	return nil
}

// Flow logs are encrypted with the Network stack's own key, which CloudWatch Logs of the
// environment's region may use for this account's log groups only.
func TestNetworkFlowLogsAreEncryptedWithTheNetworkKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		tpl := templateOf(env.Network.Stack)
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			"KmsKeyId": map[string]any{"Fn::GetAtt": []any{regexp("^FlowLogsKey"), "Arn"}},
		})
		assertLogsKeyPolicy(t, tpl, "^FlowLogsKey", env.Config.Region, env.Config.Account)
	})
}

// assertLogsKeyPolicy asserts that the key matching idPattern admits exactly one service:
// CloudWatch Logs of region, for log groups of account in region.
func assertLogsKeyPolicy(t *testing.T, tpl assertions.Template, idPattern, region, account string) {
	t.Helper()
	found := *tpl.FindResources(jsii.String("AWS::KMS::Key"), nil)
	matched := 0
	for id, raw := range found {
		if !re.MustCompile(idPattern).MatchString(id) {
			continue
		}
		matched++
		props := (*raw)["Properties"].(map[string]any)
		assert.Equal(t, true, props["EnableKeyRotation"])
		var services []any
		for _, s := range props["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			if st := s.(map[string]any); st["Principal"].(map[string]any)["Service"] != nil {
				services = append(services, st["Principal"], st["Condition"])
			}
		}
		assert.Equal(t, []any{
			map[string]any{"Service": "logs." + region + ".amazonaws.com"},
			map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:" + region + ":" + account + ":log-group:*"}},
		}, services)
	}
	assert.Equal(t, 1, matched, "one key matches %s", idPattern)
}
