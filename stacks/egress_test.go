package stacks_test

import (
	"fmt"
	re "regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/stacks"
)

// Every security group of every stack, with its exact effective egress. A group whose
// only inline rule is CDK's "Disallow all traffic" placeholder has no egress ("none"); a
// group with neither inline nor separate rules would keep EC2's default allow-all rule
// and is reported as "ALL (EC2 default)" so the table below cannot miss it.
func TestEverySecurityGroupsEgressIsExactlyWhatItNeeds(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		want := map[string][]string{
			"Data/DatabaseSecurityGroup": {"none"},
			"Data/CacheSecurityGroup":    {"none"},
			// Rotation: the database it rotates, and the Secrets Manager API over HTTPS
			// (through the NAT gateways, or the interface endpoint where there is one).
			"Data/DatabaseRotationSecurityGroup": {"tcp 443 -> 0.0.0.0/0", "tcp db-port -> Data/DatabaseSecurityGroup"},
			// API tasks: AWS APIs, Stripe and Google Maps over HTTPS; the database and cache.
			"Service/ApiTaskSecurityGroup": {
				"tcp 443 -> 0.0.0.0/0", "tcp 6380 -> Data/CacheSecurityGroup", "tcp db-port -> Data/DatabaseSecurityGroup",
			},
			"Service/ApiLoadBalancerSecurityGroup": {"tcp 8080 -> Service/ApiTaskSecurityGroup"},
			// A restore-tested database copy reaches nothing (and nothing reaches it).
			"Resilience/RestoreTestRestoredDatabaseSecurityGroup": {"none"},
		}
		if env.Config.Network.InterfaceEndpoints {
			// Endpoints only answer: security groups are stateful, so no egress is needed.
			for _, name := range []string{"EcrApi", "EcrDocker", "CloudWatchLogs", "SecretsManager"} {
				want["Network/Network"+name+"EndpointSecurityGroup"] = []string{"none"}
			}
		}
		assert.Equal(t, want, securityGroupEgress(t, env))
	})
}

// securityGroupEgress maps "<stack>/<group>" to the sorted egress rules of every security
// group in env's stacks: inline rules plus AWS::EC2::SecurityGroupEgress resources in any
// of the stacks.
func securityGroupEgress(t *testing.T, env *stacks.Environment) map[string][]string {
	t.Helper()
	inline := map[string][]string{}
	separate := map[string][]string{}
	for _, stack := range stacksOf(env) {
		name := stackSuffix(stack)
		for id, resource := range templateResources(stack) {
			props, _ := resource["Properties"].(map[string]any)
			switch resource["Type"] {
			case "AWS::EC2::SecurityGroup":
				group := name + "/" + withoutHash(id)
				inline[group] = []string{}
				rules, _ := props["SecurityGroupEgress"].([]any)
				for _, rule := range rules {
					if r := rule.(map[string]any); r["Description"] != "Disallow all traffic" {
						inline[group] = append(inline[group], egressRule(name, r))
					}
				}
				if len(rules) > 0 && len(inline[group]) == 0 {
					inline[group] = []string{"none"}
				}
			case "AWS::EC2::SecurityGroupEgress":
				group := groupRef(name, props["GroupId"])
				separate[group] = append(separate[group], egressRule(name, props))
			}
		}
	}
	out := map[string][]string{}
	for group, rules := range inline {
		rules = append(rules, separate[group]...)
		if len(rules) > 1 {
			rules = slices.DeleteFunc(rules, func(r string) bool { return r == "none" })
		}
		if len(rules) == 0 {
			rules = []string{"ALL (EC2 default)"}
		}
		slices.Sort(rules)
		out[group] = rules
	}
	for group := range separate {
		if _, ok := out[group]; !ok {
			out[group] = []string{"rules on a group of no stack of this environment: " + strings.Join(separate[group], ", ")}
		}
	}
	return out
}

// egressRule renders one egress rule as "<protocol> <port> -> <destination>".
func egressRule(stack string, r map[string]any) string {
	protocol := fmt.Sprint(r["IpProtocol"])
	if protocol == "-1" {
		protocol = "all"
	}
	port := "all"
	if from, ok := r["FromPort"]; ok {
		port = portLabel(from)
		if to := portLabel(r["ToPort"]); to != port {
			port += "-" + to
		}
	}
	var destination string
	switch {
	case r["CidrIp"] != nil:
		destination = fmt.Sprint(r["CidrIp"])
	case r["CidrIpv6"] != nil:
		destination = fmt.Sprint(r["CidrIpv6"])
	case r["DestinationSecurityGroupId"] != nil:
		destination = groupRef(stack, r["DestinationSecurityGroupId"])
	case r["DestinationPrefixListId"] != nil:
		destination = fmt.Sprint(r["DestinationPrefixListId"])
	}
	return fmt.Sprintf("%s %s -> %s", protocol, port, destination)
}

// portLabel renders a port number, or "db-port" for the database's endpoint port
// (an attribute of the instance, possibly read from the Data stack's outputs).
func portLabel(port any) string {
	if text := fmt.Sprint(port); strings.Contains(text, "Endpoint.Port") || strings.Contains(text, "EndpointPort") {
		return "db-port"
	}
	return fmt.Sprint(port)
}

var (
	hashSuffix   = re.MustCompile(`[0-9A-F]{8}$`)
	publishedRef = re.MustCompile(`^PublishOutputFnGetAtt(.+?)[0-9A-F]{8}GroupId[0-9A-F]{8}$`)
)

// groupRef names the security group a GroupId value refers to: "<stack>/<group>" for a
// GetAtt in this stack, "<producer>/<group>" for a weak reference to another stack.
func groupRef(stack string, ref any) string {
	m, _ := ref.(map[string]any)
	if att, ok := m["Fn::GetAtt"].([]any); ok {
		return stack + "/" + withoutHash(att[0].(string))
	}
	if out, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
		producer := out["StackName"].(string)
		producer = producer[strings.LastIndex(producer, "-")+1:]
		if match := publishedRef.FindStringSubmatch(out["OutputName"].(string)); match != nil {
			return producer + "/" + match[1]
		}
		return producer + "/" + out["OutputName"].(string)
	}
	return fmt.Sprint(ref)
}

func withoutHash(logicalID string) string { return hashSuffix.ReplaceAllString(logicalID, "") }

// stackSuffix is the part of a stack's name after the stage, e.g. "Data".
func stackSuffix(stack awscdk.Stack) string {
	name := *stack.StackName()
	return name[strings.LastIndex(name, "-")+1:]
}

// Every log group of every stack, CDK's own provider log groups included, is encrypted
// with a customer-managed key of its stack (or the Data key, for the Service stack).
func TestEveryLogGroupIsEncryptedWithACustomerManagedKey(t *testing.T) {
	for _, stack := range allStacks() {
		for id, resource := range templateResources(stack) {
			if resource["Type"] != "AWS::Logs::LogGroup" {
				continue
			}
			props, _ := resource["Properties"].(map[string]any)
			assert.NotNil(t, props["KmsKeyId"], "%s: log group %s has no KMS key", *stack.StackName(), id)
		}
	}
}
