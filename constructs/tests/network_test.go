package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/keys"
	"github.com/garcon/infrastructure/constructs/network"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestNetworkMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	err := cdktest.InvalidProps(t, func() {
		network.New(stack, "Network", &network.Props{AvailabilityZones: []string{"eu-west-3a"}, NatGateways: 3, Cidr: "10.0.0.0/24"})
	})
	assert.Equal(t, []string{
		"FlowLogKey: is required; allowed: a customer-managed KMS key whose policy admits CloudWatch Logs (keys.NewLogsKey)",
		"AvailabilityZones: has 1 zones; allowed: at least 2",
		"NatGateways: is 3; allowed: 1 to 1 (one per zone)",
		`Cidr: "10.0.0.0/24"; allowed: an IPv4 block of /18 or larger (a /20 private and two /24 subnets per zone), e.g. 10.0.0.0/16`,
	}, err.Problems)
	assert.Empty(t, *stack.Node().Children())
}

func TestNetworkDefaultsKeepTheVpcAndItsFlowLogs(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	key := keys.NewLogsKey(stack, "FlowLogsKey", &keys.Props{Description: "flow logs"})
	n := network.New(stack, "Network", &network.Props{AvailabilityZones: []string{"eu-west-3a", "eu-west-3b"}, NatGateways: 1, Cidr: "10.0.0.0/16", FlowLogKey: key})
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, n.Vpc))
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, n.FlowLogGroup))
}
