// Package cdktest helps tests build CDK apps exactly as `cdk synth` does: with the
// feature flags and settings of the repository's cdk.json.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// RepoRoot is the repository's root directory (where cdk.json lives).
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("cdktest: cannot locate source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Context returns the "context" object of the repository's cdk.json: the feature flags
// (including @aws-cdk/core:validateAgainstDefaultRules) tests must synthesize with.
func Context() (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "cdk.json"))
	if err != nil {
		return nil, fmt.Errorf("cdktest: read cdk.json: %w", err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("cdktest: parse cdk.json: %w", err)
	}
	if len(doc.Context) == 0 {
		return nil, fmt.Errorf("cdktest: cdk.json has no context (feature flags)")
	}
	return doc.Context, nil
}

// NewApp returns an App configured with cdk.json's context, writing its cloud assembly
// to outdir (a temporary directory of the caller's).
func NewApp(outdir string) (awscdk.App, error) {
	ctx, err := Context()
	if err != nil {
		return nil, err
	}
	ctxAny := make(map[string]interface{}, len(ctx))
	for k, v := range ctx {
		ctxAny[k] = v
	}
	return awscdk.NewApp(&awscdk.AppProps{
		Context: &ctxAny,
		Outdir:  jsii.String(outdir),
		// Matches the CLI: stack traces in metadata only slow tests down.
		StackTraces: jsii.Bool(false),
	}), nil
}
