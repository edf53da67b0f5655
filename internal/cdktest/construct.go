package cdktest

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/internal/validation"
)

// Stack returns a stack with a concrete environment (eu-west-3) in a new App configured
// like cdk.json, for construct tests: nothing else is in it, so synthesizing it (with
// assertions.Template_FromStack) takes a fraction of a second.
func Stack(t testing.TB, region string) awscdk.Stack {
	t.Helper()
	app, err := NewApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	app.Node().SetContext(jsii.String(fmt.Sprintf("availability-zones:account=123456789012:region=%s", region)),
		[]string{region + "a", region + "b", region + "c"})
	return awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)},
	})
}

// Vpc returns a small VPC with the project's three subnet tiers in stack.
func Vpc(stack awscdk.Stack) awsec2.IVpc {
	return awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String("10.0.0.0/16")),
		AvailabilityZones: jsii.Strings(*stack.Region()+"a", *stack.Region()+"b"),
		NatGateways:       jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20)},
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
	})
}

// InvalidProps runs build, which must panic with the *validation.Error of a construct's
// props check, and returns that error (failing the test when build does not panic so).
func InvalidProps(t testing.TB, build func()) *validation.Error {
	t.Helper()
	var got *validation.Error
	func() {
		defer func() {
			r := recover()
			if got = validation.FromPanic(r); got == nil && r != nil {
				t.Fatalf("panicked with %v, want a *validation.Error", r)
			}
		}()
		build()
	}()
	if got == nil {
		t.Fatal("the construct accepted invalid props")
	}
	return got
}

// DeletionPolicy is the CloudFormation deletion policy of c's resource (c itself or its
// default child), read from the construct without synthesizing.
func DeletionPolicy(t testing.TB, c constructs.IConstruct) awscdk.CfnDeletionPolicy {
	t.Helper()
	res, ok := c.(awscdk.CfnResource)
	if !ok || !*awscdk.CfnResource_IsCfnResource(c) {
		res, ok = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	if !ok {
		t.Fatalf("%s has no CloudFormation resource", *c.Node().Path())
	}
	return res.CfnOptions().DeletionPolicy()
}

// TestMain runs a construct package's tests and closes the jsii runtime once.
func TestMain(m interface{ Run() int }) int {
	code := m.Run()
	jsii.Close()
	return code
}
