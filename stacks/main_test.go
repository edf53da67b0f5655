package stacks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
)

// The whole app is built and synthesized once for the package (synthesis is the
// expensive part); every test asserts against these results.
var (
	built    *stacks.App
	envs     []*stacks.Environment
	assembly cxapi.CloudAssembly
	outdir   string
)

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		outdir, err = os.MkdirTemp("", "garcon-cdk-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(outdir)
		app, err := cdktest.NewApp(outdir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cfg := config.All()
		if err := config.ValidateAll(cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		built = stacks.Build(app, cfg, stacks.Options{AppDir: filepath.Join(cdktest.RepoRoot(), "app")})
		envs = built.Environments
		stacks.ApplyPolicyChecks(built)
		assembly = app.Synth(nil)
		return m.Run()
	}()
	os.Exit(code)
}

// forEachEnv runs f as a subtest per environment. A failed assertions.Template check
// panics; the panic is turned into a test failure so the other tests still run.
func forEachEnv(t *testing.T, f func(t *testing.T, env *stacks.Environment)) {
	t.Helper()
	for _, env := range envs {
		t.Run(env.Config.Name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%v", r)
				}
			}()
			f(t, env)
		})
	}
}

// templateOf returns the assertions template of a synthesized stack. The stage is already
// synthesized, so this reads the cached assembly.
func templateOf(stack awscdk.Stack) assertions.Template {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	path := *stack.Node().Path()
	if tpl, ok := templates[path]; ok {
		return tpl
	}
	// Parsed once per stack: every test reads the same synthesized assembly.
	tpl := assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{
		SkipCyclicalDependenciesCheck: jsii.Bool(true),
	})
	templates[path] = tpl
	return tpl
}

var (
	templatesMu sync.Mutex
	templates   = map[string]assertions.Template{}
)

// allStacks lists every stack of every stage (the environments' and the DNS zone's).
func allStacks() []awscdk.Stack {
	var out []awscdk.Stack
	for _, stage := range built.Stages() {
		for _, child := range *stage.Node().Children() {
			if *awscdk.Stack_IsStack(child) {
				out = append(out, awscdk.Stack_Of(child))
			}
		}
	}
	return out
}
