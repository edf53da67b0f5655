// Package variants_test builds the app in other shapes than the shipped one: with
// environments defined only here (environments are data), and with one producer
// resource changed (what a consumer stack does when a producer changes). A package of its
// own: it needs apps of its own, and the stacks package builds its app only once.
package variants_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// serviceTemplates builds staging with change applied (nil: as shipped) and returns the
// templates of its Service and Edge stacks.
func serviceTemplates(t *testing.T, change func(env *stacks.Environment)) (service, edge map[string]any) {
	t.Helper()
	app, err := cdktest.NewApp(t.TempDir())
	require.NoError(t, err)
	built := stacks.Build(app, []config.Environment{config.Staging()}, stacks.Options{AppDir: filepath.Join(cdktest.RepoRoot(), "app")})
	env := built.Environments[0]
	if change != nil {
		change(env)
	}
	asm := env.Stage.Synth(nil)
	read := func(stack awscdk.Stack) map[string]any {
		raw, err := os.ReadFile(filepath.Join(*asm.Directory(), *stack.TemplateFile()))
		require.NoError(t, err)
		var tpl map[string]any
		require.NoError(t, json.Unmarshal(raw, &tpl))
		return tpl
	}
	return read(env.Service.Stack), read(env.Edge.Stack)
}

// fullTemplate reads a whole template of the variant app.
func fullTemplate(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	_, outdir := variantApp(t)
	raw, err := os.ReadFile(filepath.Join(outdir, "assembly-"+*stack.Node().Scope().Node().Id(), *stack.TemplateFile()))
	require.NoError(t, err)
	var tpl map[string]any
	require.NoError(t, json.Unmarshal(raw, &tpl))
	return tpl
}

// shippedServiceTemplate reads the Staging Service template of the assembly `make synth`
// wrote (GARCON_CDK_OUT), or returns nil when there is none.
func shippedServiceTemplate(t *testing.T) map[string]any {
	t.Helper()
	dir := os.Getenv("GARCON_CDK_OUT")
	if dir == "" {
		t.Log("GARCON_CDK_OUT is not set: the revision's stability across syntheses is not checked (make test sets it)")
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "assembly-Staging", "StagingService*.template.json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one Staging Service template in %s", dir)
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var tpl map[string]any
	require.NoError(t, json.Unmarshal(raw, &tpl))
	return tpl
}

// upstreamRevision is the API container's revision label in a Service template.
func upstreamRevision(t *testing.T, service map[string]any) string {
	t.Helper()
	for _, raw := range service["Resources"].(map[string]any) {
		res := raw.(map[string]any)
		if res["Type"] != "AWS::ECS::TaskDefinition" {
			continue
		}
		def := res["Properties"].(map[string]any)["ContainerDefinitions"].([]any)[0].(map[string]any)
		return fmt.Sprint(def["DockerLabels"].(map[string]any)[stacks.UpstreamRevisionLabel])
	}
	t.Fatal("no task definition")
	return ""
}

// withoutRevision drops what carries the revision, so the rest can be compared.
func withoutRevision(t *testing.T, tpl map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(tpl)
	require.NoError(t, err)
	var copyOf map[string]any
	require.NoError(t, json.Unmarshal(raw, &copyOf))
	delete(copyOf["Outputs"].(map[string]any), "UpstreamRevision")
	for _, r := range copyOf["Resources"].(map[string]any) {
		// The mutated apps skip the policy checks (seconds each); their suppressions are
		// inert metadata that CloudFormation ignores.
		delete(r.(map[string]any), "Metadata")
		if res := r.(map[string]any); res["Type"] == "AWS::ECS::TaskDefinition" {
			delete(res["Properties"].(map[string]any)["ContainerDefinitions"].([]any)[0].(map[string]any), "DockerLabels")
		}
	}
	out, err := json.Marshal(copyOf)
	require.NoError(t, err)
	return string(out)
}

// Finding 13.4: with weak references (Fn::GetStackOutput) a replaced Data resource leaves
// the Service template unchanged; `cdk deploy` would skip the stack and the tasks would
// keep the old endpoint or the deleted secret's ARN. A change of anything the Service
// reads must change the Service template — in the task definition, so new tasks start.
func TestReplacingAProducerResourceChangesTheConsumers(t *testing.T) {
	// The base is the variant app's staging (extra environments change nothing of it:
	// the check against `make synth`'s below proves that too).
	staging := environment(t, "staging")
	baseService, baseEdge := fullTemplate(t, staging.Service.Stack), fullTemplate(t, staging.Edge.Stack)
	if shipped := shippedServiceTemplate(t); shipped != nil {
		require.Equal(t, upstreamRevision(t, shipped), upstreamRevision(t, baseService),
			"the revision is stable: `make synth` (another process, another directory) computed the same")
	}

	t.Run("Redis group and static zone replaced", func(t *testing.T) {
		service, edge := serviceTemplates(t, func(env *stacks.Environment) {
			// A new port replaces the replication group: a new primary endpoint.
			env.Data.Cache.ReplicationGroup.AddPropertyOverride(jsii.String("Port"), 6390)
			// A new name replaces the zone: a new id for the Edge stack's records.
			env.DNS.Zones.Static.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("Name"), "static-v2.garcon.app.")
		})
		assert.NotEqual(t, upstreamRevision(t, baseService), upstreamRevision(t, service), "the task definition must change, so new tasks read the new endpoint")
		assert.Equal(t, withoutRevision(t, baseService), withoutRevision(t, service), "and nothing else in the Service stack")
		assert.NotEqual(t, baseEdge["Outputs"].(map[string]any)["UpstreamRevision"], edge["Outputs"].(map[string]any)["UpstreamRevision"], "Edge reads the static zone's id")
	})

	t.Run("secret replaced", func(t *testing.T) {
		service, _ := serviceTemplates(t, func(env *stacks.Environment) {
			// A new name replaces the secret: a new ARN.
			env.Data.Secrets.JwtSigningKey.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("Name"), "jwt-v2")
		})
		assert.NotEqual(t, upstreamRevision(t, baseService), upstreamRevision(t, service), "the task definition must change, so new tasks read the new secret")
		assert.Equal(t, withoutRevision(t, baseService), withoutRevision(t, service), "and nothing else in the Service stack")
	})

	t.Run("a change the Service does not read", func(t *testing.T) {
		service, _ := serviceTemplates(t, func(env *stacks.Environment) {
			env.Data.Alarms[0].Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("Threshold"), 99)
		})
		assert.Equal(t, upstreamRevision(t, baseService), upstreamRevision(t, service), "an alarm threshold in Data restarts no task")
		// The dashboard shows the alarm: the stack is updated (an output), no task restarts.
		assert.NotEqual(t, baseService["Outputs"].(map[string]any)["UpstreamRevision"], service["Outputs"].(map[string]any)["UpstreamRevision"])
	})
}
