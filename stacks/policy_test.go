package stacks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	re "regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
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

// The gate has two packs: AwsSolutions everywhere, NIST 800-53 rev 5 on protected
// environments too. A bucket with neither versioning nor KMS encryption fails both in a
// protected environment, and only AwsSolutions in a disposable one.
func TestPolicyChecksFailABadTemplateWithBothPacks(t *testing.T) {
	dir := t.TempDir()
	app, err := cdktest.NewApp(dir)
	require.NoError(t, err)
	badStage := func(name string, protection config.Protection) *stacks.Environment {
		stage := awscdk.NewStage(app, jsii.String(name), nil)
		stack := awscdk.NewStack(stage, jsii.String("Bad"), nil)
		awss3.NewCfnBucket(stack, jsii.String("Bucket"), &awss3.CfnBucketProps{})
		cfg := config.Staging()
		cfg.Protection = protection
		return &stacks.Environment{Config: cfg, Stage: stage}
	}
	stacks.ApplyPolicyChecks(&stacks.App{Environments: []*stacks.Environment{
		badStage("Protected", config.Protected), badStage("Disposable", config.Disposable),
	}})
	synthPanic(app)
	found, err := cdktest.ReadFindings(dir)
	require.NoError(t, err)
	rules := map[string][]string{}
	for _, e := range found.Errors {
		stage := strings.SplitN(strings.TrimPrefix(e, "/"), "/", 2)[0]
		if i := strings.Index(e, ": "); i > 0 {
			rule := strings.SplitN(e[i+2:], ":", 2)[0]
			rules[stage] = append(rules[stage], rule)
		}
	}
	assert.Contains(t, rules["Protected"], "AwsSolutions-S1")
	assert.Contains(t, rules["Protected"], "NIST.800.53.R5-S3DefaultEncryptionKMS")
	assert.Contains(t, rules["Protected"], "NIST.800.53.R5-S3BucketVersioningEnabled")
	assert.Contains(t, rules["Disposable"], "AwsSolutions-S1")
	for _, rule := range rules["Disposable"] {
		assert.NotContains(t, rule, "NIST", "a disposable environment is checked by AwsSolutions only")
	}
}

// Every suppression of a rule about IAM wildcards or managed policies names what it
// excuses (AppliesTo), so a new wildcard or policy on the same resource is still reported.
func TestIAMSuppressionsNameWhatTheyExcuse(t *testing.T) {
	for _, stack := range allStacks() {
		for id, resource := range templateResources(stack) {
			metadata, _ := resource["Metadata"].(map[string]any)
			nag, _ := metadata["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, raw := range rules {
				rule := raw.(map[string]any)
				switch rule["id"] {
				case "AwsSolutions-IAM4", "AwsSolutions-IAM5":
					assert.NotEmpty(t, rule["applies_to"], "%s %s: %s suppressed without AppliesTo", *stack.StackName(), id, rule["id"])
				}
				assert.NotEmpty(t, rule["reason"], "%s %s: %s", *stack.StackName(), id, rule["id"])
			}
		}
	}
}

// A suppression that cites a runbook cites one that exists.
func TestSuppressionsCiteRunbooksThatExist(t *testing.T) {
	cited := re.MustCompile(`docs/[A-Za-z0-9_/.-]+\.md`)
	seen := 0
	for _, stack := range allStacks() {
		raw, err := json.Marshal(templateResources(stack))
		require.NoError(t, err)
		for _, path := range cited.FindAllString(string(raw), -1) {
			seen++
			assert.FileExists(t, filepath.Join(cdktest.RepoRoot(), path), "%s cites %s", *stack.StackName(), path)
		}
	}
	assert.NotZero(t, seen, "the JWT and Redis AUTH suppressions cite their runbooks")
}
