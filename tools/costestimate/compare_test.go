package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyFixture copies the fixture assembly to a temporary directory and lets edit change
// the templates of the copy, keyed by file name.
func copyFixture(t *testing.T, edit func(templates map[string]map[string]any)) string {
	t.Helper()
	src := filepath.Join("testdata", "assembly")
	dst := t.TempDir()
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	dir := filepath.Join(dst, "assembly-Test")
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.NoError(t, err)
	templates := map[string]map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var tpl map[string]any
		require.NoError(t, json.Unmarshal(raw, &tpl))
		templates[filepath.Base(f)] = tpl
	}
	edit(templates)
	for name, tpl := range templates {
		raw, err := json.Marshal(tpl)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), raw, 0o600))
	}
	return dst
}

func resources(tpl map[string]any) map[string]any { return tpl["Resources"].(map[string]any) }

func TestCompareReportsAddedRemovedChangedAndTotal(t *testing.T) {
	head := copyFixture(t, func(tpls map[string]map[string]any) {
		app, net := resources(tpls["TestApp.template.json"]), resources(tpls["TestNet.template.json"])
		app["Service"].(map[string]any)["Properties"].(map[string]any)["DesiredCount"] = 4.0 // 35.04 → 70.08
		app["Secret2"] = map[string]any{"Type": "AWS::SecretsManager::Secret", "Properties": map[string]any{}}
		delete(net, "Nat2") // the remaining gateway now processes all 50 GB
		delete(net, "Eip2")
	})
	base := estimateFixture(t, filepath.Join("testdata", "assembly"))
	diffs := Compare(base, estimateFixture(t, head))
	require.Len(t, diffs, 1)
	d := diffs[0]

	byID := map[string]Change{}
	for _, c := range d.Changes {
		byID[c.Line.LogicalID] = c
	}
	require.Len(t, byID, 5, "%+v", d.Changes)
	assert.Equal(t, "changed", byID["Service"].Kind)
	assert.InDelta(t, 35.04, byID["Service"].Delta(), 0.001)
	assert.Equal(t, "added", byID["Secret2"].Kind)
	assert.InDelta(t, 0.4, byID["Secret2"].Delta(), 0.001)
	assert.Equal(t, "removed", byID["Nat2"].Kind)
	assert.InDelta(t, -37.75, byID["Nat2"].Delta(), 0.001)
	assert.Equal(t, "removed", byID["Eip2"].Kind)
	// 730 × 0.05 + 50 GB × 0.05 instead of 25 GB
	assert.Equal(t, "changed", byID["Nat1"].Kind)
	assert.InDelta(t, 1.25, byID["Nat1"].Delta(), 0.001)

	// 35.04 + 0.4 − 37.75 − 3.65 + 1.25
	assert.InDelta(t, -4.71, d.Delta(), 0.001)
	assert.InDelta(t, 758.99, d.Base, 0.001)

	var out bytes.Buffer
	w, err := newDocWriter("text", &out)
	require.NoError(t, err)
	require.NoError(t, RenderCompare(w, diffs))
	assert.Contains(t, out.String(), "Test: $758.99 → $754.28 (−$4.71 per month)")
	assert.Contains(t, out.String(), "+$35.04")
}

func TestCompareOfIdenticalAssembliesIsEmpty(t *testing.T) {
	est := estimateFixture(t, filepath.Join("testdata", "assembly"))
	diffs := Compare(est, estimateFixture(t, filepath.Join("testdata", "assembly")))
	require.Len(t, diffs, 1)
	assert.Empty(t, diffs[0].Changes)
	assert.InDelta(t, 0, diffs[0].Delta(), 0)
}
