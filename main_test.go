package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/internal/cdktest"
)

// buildApp compiles this command once for the test run.
func buildApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "garcon-cdk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// runApp runs the app the way the CDK CLI does: cdk.json's context plus the overrides in
// CDK_CONTEXT_JSON, the assembly directory in CDK_OUTDIR.
func runApp(t *testing.T, bin string, overrides map[string]string) (outdir string, stderr string, err error) {
	t.Helper()
	outdir = t.TempDir()
	context, cerr := cdktest.Context()
	require.NoError(t, cerr)
	for k, v := range overrides {
		context[k] = v
	}
	ctx, jerr := json.Marshal(context)
	require.NoError(t, jerr)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(ctx), "CDK_OUTDIR="+outdir)
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	err = cmd.Run()
	return outdir, errBuf.String(), err
}

func TestAccountOverrides(t *testing.T) {
	bin := buildApp(t)

	t.Run("malformed account fails before synthesis", func(t *testing.T) {
		outdir, stderr, err := runApp(t, bin, map[string]string{"staging.account": "12ab", "production.account": "123456789012"})
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 1, exit.ExitCode())
		assert.Contains(t, stderr, `staging: Account: "12ab" is not an AWS account id; allowed: exactly 12 digits`)
		assert.NotContains(t, stderr, "production: Account")
		assert.NoFileExists(t, filepath.Join(outdir, "manifest.json"), "nothing is synthesized from invalid config")
	})

	t.Run("valid account is used by the stage", func(t *testing.T) {
		// The zone belongs to production's account: it moves with it.
		outdir, stderr, err := runApp(t, bin, map[string]string{"production.account": "123456789012", "dns.account": "123456789012"})
		require.NoError(t, err, stderr)
		raw, err := os.ReadFile(filepath.Join(outdir, "assembly-Production", "manifest.json"))
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"environment": "aws://123456789012/eu-west-3"`)
		raw, err = os.ReadFile(filepath.Join(outdir, "assembly-Staging", "manifest.json"))
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"environment": "aws://111111111111/eu-west-3"`, "staging keeps its configured account")
	})
}
