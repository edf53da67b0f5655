package tests

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/constructs/dns"
	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestDNSMisuseReportsEveryProblemAtOnce(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	zone := cdktest.InvalidProps(t, func() {
		dns.NewDelegatedZone(stack, "ApiZone", &dns.DelegatedZoneProps{DomainName: "api.other.app", ParentZoneName: "example.app"})
	})
	assert.ElementsMatch(t, []string{
		"ParentZoneID: is required; allowed: the parent zone's id, e.g. Z0123456789ABCDEFGHIJ",
		"DelegationRoleArn: is required; allowed: the ARN of the DelegationRole in the parent zone's account",
		`DomainName: "api.other.app" is not inside example.app; allowed: a name below the parent zone, e.g. staging-api.example.app`,
	}, zone.Problems)
	role := cdktest.InvalidProps(t, func() {
		dns.NewDelegationRole(stack, "Role", &dns.DelegationRoleProps{TrustedAccount: "12", TrustedRoleNamePattern: "*", DelegatedNames: []string{"*.example.app"}})
	})
	assert.ElementsMatch(t, []string{
		"RoleName: is required; allowed: the role name the delegated environment is configured with",
		"ParentZone: is required; allowed: the parent hosted zone of this account",
		`TrustedAccount: "12" is not an account id; allowed: 12 digits`,
		`TrustedRoleNamePattern: is required and must not be "*"; allowed: a role-name pattern such as Staging-Dns-*`,
		`DelegatedNames: "*.example.app"; allowed: literal host names without wildcards`,
	}, role.Problems)
	assert.Empty(t, *stack.Node().Children())
}

// A delegated zone is kept by default, and so is its delegation: deleting the zone but
// not the NS records in the parent would leave the name open to takeover.
func TestDNSDelegatedZoneAndItsDelegationShareTheirFate(t *testing.T) {
	stack := cdktest.Stack(t, "eu-west-3")
	z := dns.NewDelegatedZone(stack, "ApiZone", &dns.DelegatedZoneProps{
		DomainName: "api.example.app", ParentZoneName: "example.app", ParentZoneID: "Z0PARENT",
		DelegationRoleArn: "arn:aws:iam::210987654321:role/delegation",
	})
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, z.Zone))
	assert.Equal(t, awscdk.CfnDeletionPolicy_RETAIN, cdktest.DeletionPolicy(t, z.Delegation.Node().FindChild(jsii.String("CrossAccountZoneDelegationCustomResource"))))
	assert.NotNil(t, z.Zone.Node().TryFindChild(jsii.String("CaaAmazon")), "only Amazon may issue certificates for the zone")

	disposable := dns.NewDelegatedZone(stack, "StaticZone", &dns.DelegatedZoneProps{
		DomainName: "static.example.app", ParentZoneName: "example.app", ParentZoneID: "Z0PARENT",
		DelegationRoleArn: "arn:aws:iam::210987654321:role/delegation", RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	assert.Equal(t, awscdk.CfnDeletionPolicy_DELETE, cdktest.DeletionPolicy(t, disposable.Delegation.Node().FindChild(jsii.String("CrossAccountZoneDelegationCustomResource"))))
}

func TestDNSInZone(t *testing.T) {
	assert.True(t, dns.InZone("api.example.app", "example.app"))
	assert.True(t, dns.InZone("example.app", "example.app"))
	assert.False(t, dns.InZone("badexample.app", "example.app"))
}
