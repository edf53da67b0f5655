// Package network provides the dual-stack VPC of an environment: public,
// private-with-egress and isolated subnets over fixed availability zones, NAT gateways, flow logs and VPC
// endpoints, with the default security group stripped of all rules.
package network

import (
	"fmt"
	"net/netip"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/garcon/infrastructure/internal/validation"
)

// Subnet group names; other constructs select subnets by type, these only label them.
const (
	PublicSubnetName   = "public"
	PrivateSubnetName  = "private"
	IsolatedSubnetName = "isolated"
)

// Props configures a Network.
type Props struct {
	// AvailabilityZones are the zones the VPC spans. Given explicitly so synthesis never
	// looks them up.
	AvailabilityZones []string
	// Cidr is the VPC's IPv4 block; it must hold a /20 private and two /24 subnets per zone.
	Cidr string
	// NatGateways is the number of NAT gateways, from 1 to len(AvailabilityZones).
	NatGateways int
	// InterfaceEndpoints adds ECR (api, dkr), CloudWatch Logs and Secrets Manager
	// interface endpoints in the private subnets.
	// Default: false (traffic to those services goes through the NAT gateways).
	InterfaceEndpoints bool
	// FlowLogRetention is how long the VPC flow logs are kept.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	FlowLogRetention awslogs.RetentionDays
	// FlowLogKey encrypts the flow-log group; its policy must admit CloudWatch Logs
	// (keys.NewLogsKey).
	FlowLogKey awskms.IKey
	// RemovalPolicy applies to the VPC and the flow-log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Network is the VPC of one environment.
type Network struct {
	constructs.Construct
	// Vpc is the VPC; select subnets by type (PUBLIC, PRIVATE_WITH_EGRESS, PRIVATE_ISOLATED).
	Vpc awsec2.Vpc
	// FlowLogGroup receives the VPC flow logs (all traffic).
	FlowLogGroup awslogs.LogGroup
}

// interfaceEndpoints are the services Fargate tasks reach on start-up: pulling the image
// (ECR api + dkr, layers come from S3 through the gateway endpoint), shipping logs and
// reading secrets.
var interfaceEndpoints = []struct {
	id      string
	service awsec2.InterfaceVpcEndpointAwsService
}{
	{"EcrApi", awsec2.InterfaceVpcEndpointAwsService_ECR()},
	{"EcrDocker", awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER()},
	{"CloudWatchLogs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
	{"SecretsManager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
}

// New creates the VPC, its flow logs and endpoints.
func New(scope constructs.Construct, id string, props *Props) *Network {
	props.validate(scope, id).Check()
	c := constructs.NewConstruct(scope, jsii.String(id))
	retention := props.FlowLogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}

	vpc := awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String(props.Cidr)),
		// Dual stack: the public load balancer answers IPv6 clients (AAAA records), and
		// private subnets reach IPv6 destinations through an egress-only gateway.
		IpProtocol:        awsec2.IpProtocol_DUAL_STACK,
		AvailabilityZones: jsii.Strings(props.AvailabilityZones...),
		NatGateways:       jsii.Number(props.NatGateways),
		// No subnet hands out public addresses on its own: IPv6 addresses are globally
		// routable, and nothing here needs one by default (the load balancer gets its
		// IPv6 addresses as a dual-stack load balancer; NAT gateways use Elastic IPs).
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnetName), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24),
				MapPublicIpOnLaunch: jsii.Bool(false), Ipv6AssignAddressOnCreation: jsii.Bool(false)},
			// Large private subnets: every Fargate task and interface endpoint takes an address.
			{Name: jsii.String(PrivateSubnetName), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20),
				Ipv6AssignAddressOnCreation: jsii.Bool(false)},
			{Name: jsii.String(IsolatedSubnetName), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24),
				Ipv6AssignAddressOnCreation: jsii.Bool(false)},
		},
		// Removes every rule of the default security group, so nothing can be attached
		// to it by accident and gain open access (CIS AWS Foundations 5.4).
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			// Free, and keeps ECR image layers and uploads traffic off the NAT gateways.
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
	})

	for _, subnet := range *vpc.PublicSubnets() {
		cdknag.NagSuppressions_AddResourceSuppressions(subnet, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"), Reason: jsii.String("Public subnets hold only the internet-facing load balancer and the NAT gateways, which need the default routes to the internet gateway.")},
		}, jsii.Bool(true))
	}

	// Everything in the VPC refers to it by id; keeping it when its stack is deleted keeps
	// that id valid for whatever outlives the stack.
	vpc.ApplyRemovalPolicy(removal)

	flowLogGroup := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
		EncryptionKey: props.FlowLogKey,
		RemovalPolicy: removal,
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogGroup, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})

	if props.InterfaceEndpoints {
		for _, e := range interfaceEndpoints {
			// An endpoint only answers requests, and security groups are stateful: no egress.
			securityGroup := awsec2.NewSecurityGroup(c, jsii.String(e.id+"EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
				Vpc:              vpc,
				Description:      jsii.String(e.id + " interface endpoint: HTTPS from the VPC, no egress"),
				AllowAllOutbound: jsii.Bool(false),
			})
			endpoint := vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
				Service:           e.service,
				PrivateDnsEnabled: jsii.Bool(true),
				Subnets:           &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
				SecurityGroups:    &[]awsec2.ISecurityGroup{securityGroup},
				// Opened below from the literal VPC block instead: the default rule refers to
				// the VPC's CIDR attribute, which policy checks cannot evaluate.
				Open: jsii.Bool(false),
			})
			endpoint.Connections().AllowDefaultPortFrom(awsec2.Peer_Ipv4(jsii.String(props.Cidr)),
				jsii.String("HTTPS from inside the VPC"))
		}
	}

	return &Network{Construct: c, Vpc: vpc, FlowLogGroup: flowLogGroup}
}

func (p *Props) validate(scope constructs.Construct, id string) *validation.Problems {
	v := validation.For(scope, id)
	v.Require(p.FlowLogKey != nil, "FlowLogKey", "is required; allowed: a customer-managed KMS key whose policy admits CloudWatch Logs (keys.NewLogsKey)")
	v.Require(len(p.AvailabilityZones) >= 2, "AvailabilityZones", fmt.Sprintf("has %d zones; allowed: at least 2", len(p.AvailabilityZones)))
	v.Require(p.NatGateways >= 1 && p.NatGateways <= max(len(p.AvailabilityZones), 1), "NatGateways",
		fmt.Sprintf("is %d; allowed: 1 to %d (one per zone)", p.NatGateways, max(len(p.AvailabilityZones), 1)))
	if prefix, err := netip.ParsePrefix(p.Cidr); err != nil || !prefix.Addr().Is4() || prefix.Bits() > 18 {
		v.Addf("Cidr", "%q; allowed: an IPv4 block of /18 or larger (a /20 private and two /24 subnets per zone), e.g. 10.0.0.0/16", p.Cidr)
	}
	return v
}
