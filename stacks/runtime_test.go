package stacks_test

// Run-time rules (DESIGN.md): what AWS checks when the templates are deployed and used —
// permissions, ownership and life cycles — rather than their shape. Each test here names
// the finding of the template review it guards against; the access matrix
// (tools/access) proves the same flows with an independent IAM policy evaluator.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/stacks"
)

// resourcesOf returns the resources of type typ in stack, by logical id.
func resourcesOf(stack awscdk.Stack, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, raw := range *templateOf(stack).FindResources(jsii.String(typ), nil) {
		out[id] = *raw
	}
	return out
}

// statementsOf returns the statements of every AWS::IAM::Policy of stack attached to the
// role whose logical id starts with rolePrefix.
func statementsOf(t *testing.T, stack awscdk.Stack, rolePrefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, res := range resourcesOf(stack, "AWS::IAM::Policy") {
		props := res["Properties"].(map[string]any)
		attached := false
		for _, r := range props["Roles"].([]any) {
			ref, _ := r.(map[string]any)["Ref"].(string)
			attached = attached || strings.HasPrefix(ref, rolePrefix)
		}
		if !attached {
			continue
		}
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	require.NotEmpty(t, out, "no policy attached to %s*", rolePrefix)
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// Finding 1: ECS reads the injected secrets with the execution role, and Secrets Manager
// decrypts them with the Data key on its behalf: without kms:Decrypt on that key (scoped
// to Secrets Manager) every task fails to start with ResourceInitializationError.
func TestExecutionRoleCanDecryptTheInjectedSecrets(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		var decrypt []map[string]any
		for _, st := range statementsOf(t, env.Service.Stack, "ApiTaskExecutionRole") {
			if slices.Contains(asList(st["Action"]), any("kms:Decrypt")) {
				decrypt = append(decrypt, st)
			}
		}
		require.Len(t, decrypt, 1, "the execution role must be able to decrypt the secrets it injects")
		st := decrypt[0]
		assert.Equal(t, "Allow", st["Effect"])
		assert.Equal(t, []string{"PublishOutputFnGetAttKey961B73FDArn43BC6B29"}, stackOutputNames(st["Resource"]), "on the Data stack's key, nothing else")
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{
			"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", env.Config.Region),
		}}, st["Condition"], "only when Secrets Manager decrypts on the role's behalf")
	})
}

// Finding 3: a topic policy replaces SNS's default one; unless it allows CloudWatch to
// publish, every alarm fires into nothing.
func TestAlarmTopicsLetCloudWatchOfThisEnvironmentPublish(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range []awscdk.Stack{env.Data.Stack, env.Edge.Stack} {
			var allows []map[string]any
			for _, res := range resourcesOf(stack, "AWS::SNS::TopicPolicy") {
				doc := res["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
				for _, raw := range doc["Statement"].([]any) {
					if st := raw.(map[string]any); st["Effect"] == "Allow" {
						allows = append(allows, st)
					}
				}
			}
			// Other AWS services may publish too (AWS Budgets and Cost Anomaly Detection in
			// us-east-1), each only for this account; CloudWatch has exactly one statement.
			var cloudWatch []map[string]any
			for _, st := range allows {
				principal, _ := st["Principal"].(map[string]any)
				require.Contains(t, principal, "Service", "%s: only AWS services may publish: %v", *stack.StackName(), st)
				cond, _ := json.Marshal(st["Condition"])
				assert.Contains(t, string(cond), `"StringEquals":{"aws:SourceAccount":"`+env.Config.Account+`"}`, "%s: %v", *stack.StackName(), principal)
				if principal["Service"] == "cloudwatch.amazonaws.com" {
					cloudWatch = append(cloudWatch, st)
				}
			}
			require.Len(t, cloudWatch, 1, "%s: exactly one CloudWatch Allow in the alarm topic's policy", *stack.StackName())
			st := cloudWatch[0]
			assert.Equal(t, map[string]any{"Service": "cloudwatch.amazonaws.com"}, st["Principal"])
			assert.Equal(t, "sns:Publish", st["Action"])
			cond, _ := json.Marshal(st["Condition"])
			assert.Contains(t, string(cond), `"StringEquals":{"aws:SourceAccount":"`+env.Config.Account+`"}`)
			assert.Contains(t, string(cond), `"ArnLike":{"aws:SourceArn":`)
			assert.Contains(t, string(cond), `:alarm:`+env.Config.StageName+`-*`, "only this environment's alarms")
		}
	})
}

// Finding 4: a construct may hand back a wrapper (instance.Secret() is the
// SecretTargetAttachment), so the deletion policy is checked on every resource of every
// stateful CloudFormation type: a protected environment keeps them all; a disposable one
// deletes them all, so it can be torn down.
func TestStatefulResourcesFollowTheEnvironmentsDeletionPolicy(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range stacksOf(env) {
			for _, typ := range stacks.StatefulResourceTypes {
				for id, res := range resourcesOf(stack, typ) {
					got, _ := res["DeletionPolicy"].(string)
					props, _ := res["Properties"].(map[string]any)
					switch {
					case !env.Config.IsProtected():
						assert.Equal(t, "Delete", got, "%s %s: a disposable environment deletes what it holds", *stack.StackName(), id)
					case typ == "AWS::RDS::DBInstance" && props["SourceDBInstanceIdentifier"] != nil:
						// A read replica holds no data of its own: the writer's snapshot has it all.
						assert.Equal(t, "Delete", got, "%s %s (read replica)", *stack.StackName(), id)
					default:
						assert.Contains(t, []string{"Retain", "Snapshot"}, got, "%s %s (%s) must survive the deletion of its stack", *stack.StackName(), id, typ)
					}
				}
			}
		}
	})
}

// Finding 5: a retained resource with a fixed name in a stateless stack makes the stack
// impossible to recreate ("already exists"). Names CloudFormation cannot generate must
// carry something unique to the stack's creation (its StackId).
func TestStatelessStacksCanBeRecreated(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range []awscdk.Stack{env.Service.Stack, env.Edge.Stack} {
			for id, res := range templateResources(stack) {
				if res["DeletionPolicy"] != "Retain" {
					continue
				}
				for prop, value := range res["Properties"].(map[string]any) {
					if !strings.HasSuffix(prop, "Name") || prop == "DisplayName" {
						continue
					}
					raw, _ := json.Marshal(value)
					assert.Contains(t, string(raw), "AWS::StackId", "%s %s.%s is fixed (%s) on a retained resource: a recreated stack would fail on 'already exists'", *stack.StackName(), id, prop, raw)
				}
			}
		}
	})
}

// Finding 5: `cdk destroy` fails on a bucket that still holds objects; a disposable
// environment's buckets are emptied by CloudFormation when they are deleted.
func TestDisposableEnvironmentsEmptyTheirBucketsOnDestroy(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, stack := range stacksOf(env) {
			buckets := resourcesOf(stack, "AWS::S3::Bucket")
			emptied := map[string]bool{}
			for _, res := range resourcesOf(stack, "Custom::S3AutoDeleteObjects") {
				ref := res["Properties"].(map[string]any)["BucketName"].(map[string]any)["Ref"].(string)
				emptied[ref] = true
			}
			for id := range buckets {
				assert.Equal(t, !env.Config.IsProtected(), emptied[id], "%s %s: emptied on delete only in a disposable environment", *stack.StackName(), id)
			}
		}
	})
}

// Finding 6: pull-request jobs run code from any branch before review; the diff role they
// assume may read templates of this environment's stacks and nothing else — in
// particular it may not assume the bootstrap lookup role, whose ReadOnlyAccess reads
// S3 objects, log events and configuration of the whole account.
func TestDiffRoleCanAssumeNoOtherRole(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, st := range statementsOf(t, env.CICD.Stack, "GitHubDiffRole") {
			for _, action := range asList(st["Action"]) {
				assert.True(t, strings.HasPrefix(action.(string), "cloudformation:"), "diff role action %s", action)
			}
		}
	})
}

// Finding 2: a hosted zone belongs to one account. Every record and every certificate
// validation record an environment writes must go into a zone of its own account: the
// parent zone only when the environment lives in the zone's account, else a zone the
// environment creates itself (delegated from the parent).
func TestEveryEnvironmentWritesDNSOnlyIntoZonesOfItsOwnAccount(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		zoneAccount := parentZoneAccount(env)
		for _, stack := range stacksOf(env) {
			for id, zoneID := range dnsWrites(stack) {
				if literal, ok := zoneID.(string); ok {
					assert.Equal(t, env.Config.DNS.HostedZoneID, literal, "%s %s writes into an unknown zone", *stack.StackName(), id)
					assert.Equal(t, zoneAccount, env.Config.Account,
						"%s %s writes into the parent zone %s, which belongs to account %s, from account %s", *stack.StackName(), id, literal, zoneAccount, env.Config.Account)
					continue
				}
				owner, ok := hostedZoneStack(stack, zoneID)
				if assert.True(t, ok, "%s %s writes into %v, which is no hosted zone of this app", *stack.StackName(), id, zoneID) {
					assert.Equal(t, env.Config.Account, *owner.Account(), "%s %s writes into a zone of %s", *stack.StackName(), id, *owner.StackName())
				}
			}
		}
	})
}

// hostedZoneStack follows a HostedZoneId value — a Ref to a zone of stack, or CDK's
// cross-stack Fn::GetStackOutput of such a Ref — to the stack that creates the zone.
func hostedZoneStack(stack awscdk.Stack, zoneID any) (awscdk.Stack, bool) {
	m, _ := zoneID.(map[string]any)
	if ref, ok := m["Ref"].(string); ok {
		_, isZone := resourcesOf(stack, "AWS::Route53::HostedZone")[ref]
		return stack, isZone
	}
	out, ok := m["Fn::GetStackOutput"].(map[string]any)
	if !ok {
		return nil, false
	}
	for _, producer := range allStacks() {
		if *producer.StackName() != out["StackName"] {
			continue
		}
		outputs := (*templateOf(producer).ToJSON())["Outputs"].(map[string]any)
		output, ok := outputs[out["OutputName"].(string)].(map[string]any)
		if !ok {
			return nil, false
		}
		return hostedZoneStack(producer, output["Value"])
	}
	return nil, false
}

// dnsWrites returns the hosted zone id of every record set and certificate validation of
// stack, keyed by a description of the writer.
func dnsWrites(stack awscdk.Stack) map[string]any {
	out := map[string]any{}
	for id, res := range resourcesOf(stack, "AWS::Route53::RecordSet") {
		out[id] = res["Properties"].(map[string]any)["HostedZoneId"]
	}
	for id, res := range resourcesOf(stack, "AWS::CertificateManager::Certificate") {
		for i, opt := range asList(res["Properties"].(map[string]any)["DomainValidationOptions"]) {
			if o, ok := opt.(map[string]any); ok {
				out[fmt.Sprintf("%s validation %d", id, i)] = o["HostedZoneId"]
			}
		}
	}
	return out
}

// templateResources returns every resource of stack's template.
func templateResources(stack awscdk.Stack) map[string]map[string]any {
	tpl := *templateOf(stack).ToJSON()
	out := map[string]map[string]any{}
	for id, raw := range tpl["Resources"].(map[string]any) {
		out[id] = raw.(map[string]any)
	}
	return out
}

// stacksOf lists the stacks of one environment's stage.
func stacksOf(env *stacks.Environment) []awscdk.Stack {
	var out []awscdk.Stack
	for _, stack := range allStacks() {
		if strings.HasPrefix(*stack.Node().Path(), env.Config.StageName+"/") {
			out = append(out, stack)
		}
	}
	return out
}
