package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The fixture's environment "Test" is not in config, so the command must refuse it rather
// than print an estimate without usage.
func TestExitCodes(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad format", []string{"--format", "html", "x"}, exitUsage, `--format "html"`},
		{"two directories", []string{"a", "b"}, exitUsage, "at most one"},
		{"bad top", []string{"--top", "0"}, exitUsage, "--top 0"},
		{"unknown flag", []string{"--nope"}, exitUsage, "flag provided but not defined"},
		{"not an assembly", []string{t.TempDir()}, exitError, "no manifest.json"},
		{"environment not in config", []string{filepath.Join("testdata", "assembly")}, exitError, `environment "Test" of the assembly has no usage assumptions`},
		{"help", []string{"-h"}, exitOK, "usage: costestimate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, c.code, run(c.args, &stdout, &stderr), stderr.String())
			assert.Contains(t, stderr.String(), c.stderr)
		})
	}
}

func TestMarkdownTableEscapesPipes(t *testing.T) {
	var out bytes.Buffer
	w, _ := newDocWriter("markdown", &out)
	w.table([]string{"a", "b"}, [][]string{{"x|y", "z"}})
	assert.NoError(t, w.flush())
	assert.Equal(t, "| a | b |\n|---|---|\n| x\\|y | z |\n\n", out.String())
}
