package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

func TestReadmeConfigTableIsCurrent(t *testing.T) {
	root := repoRoot()
	table, err := Render(filepath.Join(root, "config"), config.All())
	require.NoError(t, err)
	current, err := Current(filepath.Join(root, "README.md"), table)
	require.NoError(t, err)
	assert.True(t, current, "README.md's config table is stale: run `go run ./tools/configdoc -w`")
}

func TestRenderHasOneRowPerLeafFieldWithValuesAndMeaning(t *testing.T) {
	table, err := Render(filepath.Join(repoRoot(), "config"), config.All())
	require.NoError(t, err)
	assert.Contains(t, table, "| field | type | staging | production | meaning |")
	assert.Contains(t, table, "| `Network.NatGateways` | int | `1` | `3` | NatGateways is the number of NAT gateways")
	assert.Contains(t, table, "| `AvailabilityZones` | []string | `eu-west-3a`, `eu-west-3b` | `eu-west-3a`, `eu-west-3b`, `eu-west-3c` |")
	assert.Contains(t, table, "| `DNS.APIHost` | string | `staging-api` | `api` |")
	assert.NotContains(t, table, "| `Network` |", "struct fields expand into their leaves")
}

func TestReplaceNeedsMarkers(t *testing.T) {
	_, err := Replace("# README without a table\n", "| x |\n")
	require.ErrorContains(t, err, "no config-table markers")

	out, err := Replace("a\n"+BeginMarker+"\nold\n"+EndMarker+"\nb\n", "new\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n"+BeginMarker+"\nnew\n"+EndMarker+"\nb\n", out)
	assert.False(t, strings.Contains(out, "old"))
}
