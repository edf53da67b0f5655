// Command garcon-infrastructure is the AWS CDK app of the Garçon restaurant API: it
// validates the configuration of every environment and synthesizes one stage per
// environment (see README.md).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/internal/validation"
	"github.com/garcon/infrastructure/stacks"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	envs, err := config.Resolve(config.All(), contextString(app))
	if err != nil {
		fmt.Fprintf(os.Stderr, "invalid configuration, nothing synthesized:\n%v\n", err)
		jsii.Close()
		os.Exit(1)
	}
	// The CLI runs the app from the repository root (cdk.json): app/ is the image context.
	if err := build(app, envs); err != nil {
		fmt.Fprintf(os.Stderr, "invalid construct props, nothing synthesized:\n%v\n", err)
		jsii.Close()
		os.Exit(1)
	}
	app.Synth(nil)
}

// build adds every stage to app and its policy checks. A construct whose props are wrong
// panics with a *validation.Error before it creates anything; that becomes the error
// returned here, any other panic is a bug and goes on.
func build(app awscdk.App, envs []config.Environment) (err error) {
	defer func() {
		if r := recover(); r != nil {
			invalid := validation.FromPanic(r)
			if invalid == nil {
				panic(r)
			}
			err = invalid
		}
	}()
	stacks.ApplyPolicyChecks(stacks.Build(app, envs, stacks.Options{AppDir: "app"}))
	return nil
}

// contextString looks up a CDK context value (`-c key=value`) as a string.
func contextString(app awscdk.App) func(key string) (string, bool) {
	return func(key string) (string, bool) {
		v := app.Node().TryGetContext(jsii.String(key))
		if v == nil {
			return "", false
		}
		return config.ContextValue(v), true
	}
}
