package cloudassembly

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cost estimate's fixture: stage "Test" with stacks in three regions and a
// cross-stack Fn::GetStackOutput reference.
var fixture = filepath.Join("..", "..", "costestimate", "testdata", "assembly")

func TestLoadReadsNestedStagesSorted(t *testing.T) {
	a, err := Load(fixture)
	require.NoError(t, err)
	assert.Equal(t, []string{"Test"}, a.Environments())
	var names []string
	for _, s := range a.Stacks {
		names = append(names, s.Name+" "+s.Region+" "+s.StackName)
	}
	assert.Equal(t, []string{
		"Test/App eu-west-3 Test-App", "Test/Backup eu-west-1 Test-Backup",
		"Test/Edge us-east-1 Test-Edge", "Test/Net eu-west-3 Test-Net",
	}, names)
	assert.Equal(t, "123456789012", a.Stacks[0].Account)
}

func TestResolveFollowsRefGetAttAndStackOutputs(t *testing.T) {
	a, err := Load(fixture)
	require.NoError(t, err)
	app, net := a.StackNamed("Test-App"), a.StackNamed("Test-Net")
	require.NotNil(t, app)

	subnets := app.Resources["Alb"].Properties["Subnets"].([]any)
	target, ok := a.Resolve(app, subnets[0])
	require.True(t, ok)
	assert.Equal(t, net, target.Stack)
	assert.Equal(t, "SubnetA", target.LogicalID)

	target, ok = a.Resolve(app, map[string]any{"Fn::GetAtt": []any{"Writer", "Endpoint.Port"}})
	require.True(t, ok)
	assert.Equal(t, "Endpoint.Port", target.Attribute)

	_, ok = a.Resolve(app, map[string]any{"Ref": "AWS::Region"})
	assert.False(t, ok, "pseudo parameters do not resolve")
	// an output of a stack that is not in the assembly
	_, ok = a.Resolve(net, net.Resources["EndpointLogs"].Properties["SubnetIds"].([]any)[1])
	assert.False(t, ok)

	refs := a.References(app, app.Resources["Replica"].Properties)
	require.Len(t, refs, 1)
	assert.Equal(t, "Writer", refs[0].LogicalID)
}

func TestParseEnvironment(t *testing.T) {
	account, region, err := parseEnvironment("aws://111111111111/eu-west-3")
	require.NoError(t, err)
	assert.Equal(t, "111111111111", account)
	assert.Equal(t, "eu-west-3", region)
	for _, bad := range []string{"", "aws://111111111111", "gcp://1/eu", "aws://unknown-account/unknown-region"} {
		_, _, err := parseEnvironment(bad)
		assert.Error(t, err, bad)
	}
}

func TestScalars(t *testing.T) {
	n, ok := Number("100")
	assert.True(t, ok)
	assert.InDelta(t, 100, n, 0)
	_, ok = Number(map[string]any{"Ref": "x"})
	assert.False(t, ok)
	assert.True(t, Bool("true"))
	assert.True(t, Bool(true))
	assert.False(t, Bool(map[string]any{}))
	assert.Empty(t, String(3.0))
}

func TestLoadRejectsNonAssembly(t *testing.T) {
	_, err := Load(t.TempDir())
	require.ErrorContains(t, err, "no manifest.json")
}

func TestStackFindsByDisplayNameAndKeepsTheArtifactID(t *testing.T) {
	a, err := Load(fixture)
	require.NoError(t, err)
	assert.Equal(t, []string{"Test/App", "Test/Backup", "Test/Edge", "Test/Net"}, a.StackNames())
	app := a.Stack("Test/App")
	require.NotNil(t, app)
	assert.Equal(t, "Test-App", app.StackName)
	assert.Equal(t, "TestApp", app.ArtifactID, "the artifact's key in assembly-Test/manifest.json")
	assert.Nil(t, a.Stack("Test-App"), "Stack matches the display name, not the CloudFormation stack name")
	assert.Nil(t, a.Stack("Test/Nope"))
}

// writeAgnosticAssembly writes a one-stack assembly whose stack has the environment env.
func writeAgnosticAssembly(t *testing.T, env string) string {
	t.Helper()
	dir := t.TempDir()
	manifest := `{"artifacts": {"AppStack": {"type": "aws:cloudformation:stack", "environment": "` + env + `",
		"displayName": "App", "properties": {"templateFile": "AppStack.template.json"}}}}`
	tpl := `{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AppStack.template.json"), []byte(tpl), 0o600))
	return dir
}

func TestAgnosticStacksOnlyWithTheOption(t *testing.T) {
	for _, env := range []string{"aws://unknown-account/unknown-region", ""} {
		dir := writeAgnosticAssembly(t, env)
		_, err := Load(dir)
		require.ErrorContains(t, err, `stack "App"`, "by default a stack without a concrete region is refused (env %q)", env)

		a, err := Load(dir, AllowAgnosticStacks())
		require.NoError(t, err, env)
		st := a.Stack("App")
		require.NotNil(t, st)
		assert.Empty(t, st.Account+st.Region, env)
		assert.Equal(t, "AWS::S3::Bucket", st.Resources["Bucket"].Type)
	}
	a, err := Load(fixture, AllowAgnosticStacks())
	require.NoError(t, err)
	assert.Equal(t, "eu-west-3", a.Stack("Test/App").Region, "a concrete environment is still read with the option")
}

func TestDirArg(t *testing.T) {
	dir, err := DirArg(nil)
	require.NoError(t, err)
	assert.Equal(t, "cdk.out", dir)
	dir, err = DirArg([]string{"base.out"})
	require.NoError(t, err)
	assert.Equal(t, "base.out", dir)
	_, err = DirArg([]string{"a", "b"})
	require.ErrorContains(t, err, "at most one cloud assembly directory")
}
