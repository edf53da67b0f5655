package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

func TestEveryEnvironmentIsListedWithWhatWorkflowsNeed(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(nil, &out, &errOut), errOut.String())
	var entries []Entry
	require.NoError(t, json.Unmarshal(out.Bytes(), &entries))
	require.Len(t, entries, len(config.All()))
	byName := map[string]Entry{}
	for _, e := range entries {
		byName[e.Name] = e
	}
	assert.Equal(t, Entry{
		Name: "production", Stage: "Production", Protection: "protected", ApprovalRequired: true, Branch: "main",
		GitHubEnvironment: "production", AccountVariable: "AWS_ACCOUNT_ID_PRODUCTION", Region: "eu-west-3",
		APIURL: "https://api.garcon.app", StaticURL: "https://static.garcon.app", HealthURL: "https://api.garcon.app/health",
	}, byName["production"])
	assert.False(t, byName["staging"].ApprovalRequired, "a disposable environment deploys without reviewers")
	assert.True(t, byName["staging"].DelegatedDNS)
}

func TestBranchSelectsTheEnvironmentsItDeploys(t *testing.T) {
	assert.Equal(t, []string{"staging"}, names(Entries(config.All(), "develop")))
	assert.Empty(t, Entries(config.All(), "feature/x"), "a branch that deploys nothing gives an empty matrix")
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-branch", "feature/x"}, &out, &errOut))
	assert.JSONEq(t, "[]", out.String(), "an empty array, never null: workflows index into it")
}

func TestAccountVariable(t *testing.T) {
	assert.Equal(t, "AWS_ACCOUNT_ID_LOAD_TEST", AccountVariable("load-test"))
}

func names(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}
