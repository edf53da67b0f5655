package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/network"
)

// NetworkStack holds the environment's VPC.
type NetworkStack struct {
	awscdk.Stack
	// Vpc is the environment's VPC, passed to the other stacks as a typed reference.
	Vpc awsec2.IVpc
}

// NewNetworkStack creates the network stack of env.
func NewNetworkStack(scope constructs.Construct, id string, env config.Environment) *NetworkStack {
	stack := awscdk.NewStack(scope, jsii.String(id), stackProps(env, "VPC, NAT gateways, flow logs and VPC endpoints"))
	flowLogsKey := keys.NewLogsKey(stack, "FlowLogsKey", &keys.Props{
		Description: "Garçon " + env.Name + ": VPC flow logs", RemovalPolicy: removalPolicy(env),
	})
	net := network.New(stack, "Network", &network.Props{
		AvailabilityZones:  env.AvailabilityZones,
		Cidr:               env.Network.VpcCidr,
		NatGateways:        env.Network.NatGateways,
		InterfaceEndpoints: env.Network.InterfaceEndpoints,
		FlowLogRetention:   retentionDays(env.Logs.FlowLogRetentionDays),
		FlowLogKey:         flowLogsKey,
		RemovalPolicy:      removalPolicy(env),
	})
	keys.EncryptLogGroups(stack, flowLogsKey)
	return &NetworkStack{Stack: stack, Vpc: net.Vpc}
}
