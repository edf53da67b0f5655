package stacks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/constructs/cicd"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
)

// Only the game-day workflow, run from the environment's own branch in a job that names
// the environment (whose reviewers gate production), may assume the game-day role.
func TestGameDayRoleTrustsOnlyTheGameDayWorkflowOfTheEnvironment(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		repo, ref := env.Config.GitHub.Repository, "refs/heads/"+env.Config.GitHub.Branch
		assert.Equal(t, map[string]any{
			"token.actions.githubusercontent.com:aud":              "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub":              "repo:" + repo + ":environment:" + env.Config.Name,
			"token.actions.githubusercontent.com:ref":              ref,
			"token.actions.githubusercontent.com:job_workflow_ref": repo + "/.github/workflows/gameday.yml@" + ref,
		}, trustCondition(t, env, role(t, env, "GameDayRole")))
	})
}

// It may start, watch and stop experiments and read the environment's alarms: it cannot
// create or change a template, pass a role, or touch a resource itself.
func TestGameDayRoleMayOnlyRunExperimentsAndReadAlarms(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		r, a, stage := env.Config.Region, env.Config.Account, env.Config.StageName
		assert.ElementsMatch(t, []any{
			map[string]any{"Sid": "StartExperiments", "Effect": "Allow", "Action": "fis:StartExperiment",
				"Resource": []any{"arn:aws:fis:" + r + ":" + a + ":experiment-template/*", "arn:aws:fis:" + r + ":" + a + ":experiment/*"}},
			map[string]any{"Sid": "WatchAndStopExperiments", "Effect": "Allow", "Action": []any{"fis:GetExperiment", "fis:StopExperiment"},
				"Resource": "arn:aws:fis:" + r + ":" + a + ":experiment/*"},
			map[string]any{"Sid": "ReadEnvironmentAlarms", "Effect": "Allow", "Action": []any{"cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms"},
				"Resource": []any{"arn:aws:cloudwatch:" + r + ":" + a + ":alarm:" + stage + "-*", "arn:aws:cloudwatch:us-east-1:" + a + ":alarm:" + stage + "-*"}},
			map[string]any{"Sid": "FindTemplatesAndMetrics", "Effect": "Allow", "Action": []any{"cloudwatch:GetMetricStatistics", "fis:ListExperimentTemplates"}, "Resource": "*"},
		}, anySlice(policyOf(t, env, "GameDayRole")))
		templateOf(env.CICD.Stack).HasOutput(jsii.String("GameDayRoleArn"),
			map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{regexp("^GameDayRole"), "Arn"}}})
	})
}

// The workflow the role trusts assumes it, starts the chosen experiment, and reports.
func TestTheGameDayWorkflowRunsAnExperimentAndReports(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), cicd.DefaultGameDayWorkflow))
	require.NoError(t, err)
	wf := string(raw)
	for _, want := range []string{"workflow_dispatch:", "AWS_GAMEDAY_ROLE_ARN", "environment: ${{ inputs.environment }}",
		"aws fis start-experiment", "aws fis stop-experiment", "describe-alarm-history", "HTTPCode_Target_5XX_Count", "GITHUB_STEP_SUMMARY"} {
		assert.Contains(t, wf, want)
	}
	for _, name := range []string{"stop-api-tasks", "database-failover", "redis-failover", "az-power-interruption"} {
		assert.Contains(t, wf, "- "+name, "the experiment %s is a choice", name)
	}
	assert.True(t, strings.Contains(wf, "default: staging"), "staging unless someone asks for production")
}

// The probe's alarm (us-east-1) is no FIS stop condition: the workflow finds it by the
// name CloudFormation generates (<stack>-<logical id>-<suffix>) and stops the experiment
// when it fires. The prefix must match the alarm this app really synthesizes.
func TestTheGameDayWorkflowStopsTheExperimentWhenTheProbeAlarmFires(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), cicd.DefaultGameDayWorkflow))
	require.NoError(t, err)
	wf := string(raw)
	assert.Contains(t, wf, `--region "$PROBE_REGION" --alarm-name-prefix "$STAGE-Edge-ApiProbeAlarm"`)
	assert.Contains(t, wf, `if [[ "$probe" == ALARM ]]; then`)
	forEachEnv(t, func(t *testing.T, env *stacks.Environment) {
		assert.Equal(t, env.Config.StageName+"-Edge", *env.Edge.StackName())
		probe := alarmWith(t, env.Edge.Stack, "ApiProbeAlarm")
		assert.Nil(t, probe["AlarmName"], "a fixed alarm name would not start with the generated prefix")
	})
}

func anySlice(in []map[string]any) []any {
	out := make([]any, len(in))
	for i, m := range in {
		out[i] = m
	}
	return out
}
