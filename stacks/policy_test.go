package stacks_test

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

	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestCdkNagFindsNoUnsuppressedErrorsOrWarnings(t *testing.T) {
	found, err := cdktest.ReadFindings(outdir)
	require.NoError(t, err)
	require.NotZero(t, found.Stacks, "the assembly's stacks carry their metadata")
	assert.Empty(t, found.Errors, "errors (cdk-nag AwsSolutions or construct validation)")
	assert.Empty(t, found.Warnings, "warnings (cdk-nag AwsSolutions, CdkNagValidationFailure or deprecations)")
}

// The reader the test above relies on sees what synthesis annotates, so an empty result
// means no finding, not a reader that looks in the wrong place.
func TestAnnotationReaderSeesErrorsAndWarnings(t *testing.T) {
	dir := t.TempDir()
	app, err := cdktest.NewApp(dir)
	require.NoError(t, err)
	stage := awscdk.NewStage(app, jsii.String("Check"), nil)
	stack := awscdk.NewStack(stage, jsii.String("Annotated"), nil)
	awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("check:warning"), jsii.String("a warning"), nil)
	awscdk.Annotations_Of(stack).AddError(jsii.String("an error"))
	awscdk.NewCfnResource(stack, jsii.String("Topic"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::SNS::Topic")})
	synthPanic(app)
	found, err := cdktest.ReadFindings(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"/Check/Annotated: an error"}, found.Errors)
	assert.Len(t, found.Warnings, 1)
}

// A construct that asks for missing context (AZs, lookups) makes the CLI run the app twice
// and then fail without credentials; the manifests must list none.
func TestSynthesisNeedsNoLookups(t *testing.T) {
	manifests, err := filepath.Glob(filepath.Join(outdir, "*", "manifest.json"))
	require.NoError(t, err)
	manifests = append(manifests, filepath.Join(outdir, "manifest.json"))
	require.Len(t, manifests, len(built.Stages())+1, "one manifest per stage plus the app's")
	for _, path := range manifests {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var manifest struct {
			Missing []json.RawMessage `json:"missing"`
		}
		require.NoError(t, json.Unmarshal(raw, &manifest))
		assert.Empty(t, manifest.Missing, "%s lists context the app asked for", path)
	}
}

func TestCloudFormationValidateReportsNoFindings(t *testing.T) {
	report := readValidationReport(t, outdir)
	for _, plugin := range report.PluginReports {
		assert.Equal(t, "success", plugin.Conclusion, "plugin %s", plugin.PluginName)
		assert.Empty(t, plugin.Violations, "unacknowledged findings of %s", plugin.PluginName)
		// Only aws-cdk-lib's own acknowledgements (literal AZs it writes itself) may be suppressed.
		for _, s := range plugin.SuppressedViolations {
			assert.Equal(t, "CloudFormation-Validate::W3010", s.AcknowledgedID)
		}
	}
}

// The gate itself: with the repository's cdk.json, a template CloudFormation would reject
// fails synthesis instead of failing at deploy time, and even a warning-level finding counts.
func TestCloudFormationValidateFailsSynthesisOnFindings(t *testing.T) {
	dir := t.TempDir()
	app, err := cdktest.NewApp(dir)
	require.NoError(t, err)
	stack := awscdk.NewStack(app, jsii.String("Invalid"), nil)
	awscdk.NewCfnResource(stack, jsii.String("Bucket"), &awscdk.CfnResourceProps{
		Type:       jsii.String("AWS::S3::Bucket"),
		Properties: &map[string]any{"VersioningConfiguration": map[string]any{"Status": "Sometimes"}},
	})
	msg := synthPanic(app)
	require.Contains(t, msg, "Validation failed", "synthesis must fail")

	report := readValidationReport(t, dir)
	require.Len(t, report.PluginReports, 1)
	require.Len(t, report.PluginReports[0].Violations, 1)
	assert.Contains(t, report.PluginReports[0].Violations[0].Description, "'Sometimes' is not one of")
}

type validationReport struct {
	PluginReports []struct {
		PluginName string `json:"pluginName"`
		Conclusion string `json:"conclusion"`
		Violations []struct {
			RuleName    string `json:"ruleName"`
			Description string `json:"description"`
		} `json:"violations"`
		SuppressedViolations []struct {
			AcknowledgedID string `json:"acknowledgedId"`
		} `json:"suppressedViolations"`
	} `json:"pluginReports"`
}

func readValidationReport(t *testing.T, dir string) validationReport {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	require.NoError(t, err, "synthesis with validateAgainstDefaultRules writes a validation report")
	var report validationReport
	require.NoError(t, json.Unmarshal(raw, &report))
	return report
}

func synthPanic(app awscdk.App) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	app.Synth(nil)
	return ""
}
