package stacks_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/cicd"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
)

// Only the drift workflow, run on the default branch (a scheduled run's subject), may
// assume the drift role: no pull request, environment, other branch or other workflow.
func TestDriftRoleTrustsOnlyTheDriftWorkflowOnTheDefaultBranch(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		repo, branch := env.Config.GitHub.Repository, env.Config.GitHub.DefaultBranch
		equals := trustCondition(t, env, role(t, env, "DriftRole"))
		assert.Equal(t, map[string]any{
			"token.actions.githubusercontent.com:aud":              "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub":              "repo:" + repo + ":ref:refs/heads/" + branch,
			"token.actions.githubusercontent.com:job_workflow_ref": repo + "/.github/workflows/drift.yml@refs/heads/" + branch,
		}, equals)
	})
}

// The role's policy is exactly: drift detection on the environment's stacks, polling a
// detection, and the configuration reads of DriftReadActions.
func TestDriftRoleHasExactlyTheDriftDetectionAndDescribePermissions(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		statements := policyOf(t, env, "DriftRole")
		require.Len(t, statements, 3)
		bySid := map[string]map[string]any{}
		for _, s := range statements {
			assert.Equal(t, "Allow", s["Effect"])
			bySid[s["Sid"].(string)] = s
		}
		stackArn := "arn:aws:cloudformation:*:" + env.Config.Account + ":stack/" + env.Config.StageName + "-*/*"
		detect := bySid["DetectDriftOfTheEnvironmentsStacks"]
		assert.ElementsMatch(t, []string{
			"cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift",
			"cloudformation:DescribeStackResourceDrifts", "cloudformation:DescribeStacks",
			"cloudformation:DescribeStackResources", "cloudformation:GetTemplate", "cloudformation:ListStackResources",
		}, strs(detect["Action"]))
		assert.Equal(t, stackArn, resolvedArn(detect["Resource"]))
		assert.Equal(t, "cloudformation:DescribeStackDriftDetectionStatus", bySid["PollDriftDetections"]["Action"])
		assert.Equal(t, "*", bySid["PollDriftDetections"]["Resource"])

		reads := strs(bySid["ReadResourceConfiguration"]["Action"])
		var want []string
		for _, actions := range cicd.DriftReadActions {
			want = append(want, actions...)
		}
		assert.ElementsMatch(t, uniq(want), reads)
		for _, a := range reads {
			assert.NotContains(t, a, "*", "no wildcard action: %s", a)
			verb := a[strings.Index(a, ":")+1:]
			assert.True(t, strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "Get") ||
				strings.HasPrefix(verb, "List") || verb == "ViewBudget", "read-only verb: %s", a)
		}
	})
}

// The drift role reads configuration, never data: no object, secret value, log event,
// metric datum, parameter value or decryption.
func TestDriftRoleCannotReadData(t *testing.T) {
	dataReads := []string{
		"s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "logs:GetLogEvents",
		"logs:FilterLogEvents", "logs:StartQuery", "kms:Decrypt", "ssm:GetParameter", "ssm:GetParameters",
		"cloudwatch:GetMetricData", "rds:DownloadDBLogFilePortion", "dynamodb:GetItem", "sts:AssumeRole",
	}
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, s := range policyOf(t, env, "DriftRole") {
			for _, a := range strs(s["Action"]) {
				assert.NotContains(t, dataReads, a)
				assert.NotEqual(t, "*", a)
			}
		}
	})
}

// Every resource type of every environment's stacks is accounted for by the drift role:
// read on purpose, not checked by drift detection, or excluded because its read is data.
// A new type fails here until someone decides which.
func TestDriftRoleCoversEveryDeployedResourceType(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		for _, typ := range resourceTypesOf(env) {
			assert.True(t, cicd.DriftCovers(typ), "%s: add the read actions of %s to cicd.DriftReadActions (or to DriftNotChecked with the reason)", env.Config.Name, typ)
		}
	})
	for typ, reason := range cicd.DriftDataExcluded {
		assert.Contains(t, cicd.DriftReadActions, typ, "%s: its configuration reads stay", typ)
		assert.NotContains(t, cicd.DriftReadActions[typ], strings.Fields(reason)[0], "%s: the data read is not granted", typ)
	}
}

func TestCICDStackOutputsTheDriftRoleArn(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		templateOf(env.CICD.Stack).HasOutput(jsii.String("DriftRoleArn"),
			map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^DriftRole"), "Arn"}}})
	})
}

// The workflow the role trusts is the one that assumes it.
func TestTheDriftWorkflowAssumesTheDriftRole(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), cicd.DefaultDriftWorkflow))
	require.NoError(t, err)
	wf := string(raw)
	assert.Contains(t, wf, "schedule:")
	assert.Contains(t, wf, "AWS_DRIFT_ROLE_ARN_")
	assert.Contains(t, wf, "cdk drift")
	assert.Contains(t, wf, "--fail")
	assert.NotRegexp(t, `(?m)^    environment:`, wf, "a job environment would change the token's subject")
}

func resourceTypesOf(env *stacks.Environment) []string {
	seen := map[string]bool{}
	for _, child := range *env.Stage.Node().Children() {
		if !*awscdk.Stack_IsStack(child) {
			continue
		}
		for _, raw := range (*templateOf(awscdk.Stack_Of(child)).ToJSON())["Resources"].(map[string]any) {
			seen[raw.(map[string]any)["Type"].(string)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for typ := range seen {
		out = append(out, typ)
	}
	sort.Strings(out)
	return out
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = e.(string)
		}
		return out
	}
	return nil
}

func uniq(in []string) []string {
	sort.Strings(in)
	return slices.Compact(in)
}

// resolvedArn renders an Fn::Join of partition and account pseudo parameters as the
// account-specific ARN this environment deploys (partition aws).
func resolvedArn(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m, _ := v.(map[string]any)
	join, ok := m["Fn::Join"].([]any)
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, part := range join[1].([]any) {
		switch p := part.(type) {
		case string:
			b.WriteString(p)
		case map[string]any:
			if p["Ref"] == "AWS::Partition" {
				b.WriteString("aws")
			}
		}
	}
	return b.String()
}
