package variants_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/internal/cdktest"
	"github.com/garcon/infrastructure/stacks"
)

// Environments are data. The app of these tests carries, besides staging, two
// environments defined here in code only — nothing else in the repository knows them:
//   - dev: disposable, in staging's account (one GitHub OIDC provider for both), in
//     another region, with zones of its own delegated from the parent;
//   - ops: protected under a name that says nothing, in an account of its own.
//
// (That a disposable environment named like production gets nothing of production is a
// config test: IsProtected reads the tier only.)
func extraEnvironments() []config.Environment {
	dev := config.Staging()
	dev.Name, dev.StageName, dev.GitHub.Branch = "dev", "Dev", "dev"
	dev.DNS.APIHost, dev.DNS.StaticHost = "dev-api", "dev-static"
	dev.DNS.Delegation = &config.DNSDelegation{RoleName: "garcon-dns-delegation-dev"}
	dev.Backup.DRVaultName = "garcon-dev-dr"
	dev.Network.VpcCidr = "10.30.0.0/16"
	dev.Region, dev.DRRegion, dev.AvailabilityZones = "eu-central-1", "eu-west-3", []string{"eu-central-1a", "eu-central-1b"}

	ops := config.Production()
	ops.Name, ops.StageName, ops.GitHub.Branch = "ops", "Ops", "ops"
	ops.Account = "444444444444"
	ops.DNS.APIHost, ops.DNS.StaticHost = "ops-api", "ops-static"
	ops.DNS.Delegation = &config.DNSDelegation{RoleName: "garcon-dns-delegation-ops"}
	ops.Backup.DRVaultName = "garcon-ops-dr"
	return []config.Environment{dev, ops}
}

// variant is the app with the extra environments, built and synthesized once.
var variant struct {
	once   sync.Once
	app    *stacks.App
	outdir string
	err    error
}

func variantApp(t *testing.T) (*stacks.App, string) {
	t.Helper()
	variant.once.Do(func() {
		variant.outdir, variant.err = os.MkdirTemp("", "garcon-variant-")
		if variant.err != nil {
			return
		}
		app, err := cdktest.NewApp(variant.outdir)
		if err != nil {
			variant.err = err
			return
		}
		cfg := append([]config.Environment{config.Staging()}, extraEnvironments()...)
		if variant.err = config.ValidateAll(cfg); variant.err != nil {
			return
		}
		variant.app = stacks.Build(app, cfg, stacks.Options{AppDir: filepath.Join(cdktest.RepoRoot(), "app")})
		stacks.ApplyPolicyChecks(variant.app)
		app.Synth(nil)
	})
	require.NoError(t, variant.err)
	return variant.app, variant.outdir
}

// resources are a stack's resources as the variant app synthesized them.
func resources(t *testing.T, stack awscdk.Stack) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, res := range fullTemplate(t, stack)["Resources"].(map[string]any) {
		out[id] = res.(map[string]any)
	}
	return out
}

func environment(t *testing.T, name string) *stacks.Environment {
	t.Helper()
	app, _ := variantApp(t)
	for _, env := range app.Environments {
		if env.Config.Name == name {
			return env
		}
	}
	t.Fatalf("no environment %s", name)
	return nil
}

func TestAThirdEnvironmentSynthesizesWithoutFindings(t *testing.T) {
	_, outdir := variantApp(t)
	found, err := cdktest.ReadFindings(outdir)
	require.NoError(t, err)
	assert.NotZero(t, found.Stacks)
	assert.Empty(t, found.Errors, "cdk-nag or construct errors")
	assert.Empty(t, found.Warnings, "cdk-nag warnings")
}

// The tier, never the name, decides what survives: every resource of every stateful
// type of dev is deleted with its stack; ops keeps them all (read replicas aside).
func TestATierDecidesProtectionNotAName(t *testing.T) {
	for name, protected := range map[string]bool{"dev": false, "ops": true} {
		env := environment(t, name)
		assert.Equal(t, protected, *env.Data.TerminationProtection(), "%s: termination protection", name)
		for _, stack := range []awscdk.Stack{env.Network.Stack, env.Data.Stack, env.Backup.Stack, env.Edge.Stack, env.DNS.Stack} {
			for id, res := range resources(t, stack) {
				if !isStateful(res["Type"]) {
					continue
				}
				props, _ := res["Properties"].(map[string]any)
				switch {
				case !protected, props["SourceDBInstanceIdentifier"] != nil:
					assert.Equal(t, "Delete", res["DeletionPolicy"], "%s %s %s", name, *stack.StackName(), id)
				default:
					assert.Contains(t, []any{"Retain", "Snapshot"}, res["DeletionPolicy"], "%s %s %s", name, *stack.StackName(), id)
				}
			}
		}
	}
}

func isStateful(typ any) bool {
	for _, s := range stacks.StatefulResourceTypes {
		if s == typ {
			return true
		}
	}
	return false
}

// Two environments in one account share its GitHub OIDC provider: the first in config
// order creates it, the other trusts it by ARN (a second provider would fail to deploy).
func TestAnAccountHasOneGitHubProvider(t *testing.T) {
	count := func(env *stacks.Environment) int {
		n := 0
		for _, res := range resources(t, env.CICD.Stack) {
			if res["Type"] == "AWS::IAM::OIDCProvider" {
				n++
			}
		}
		return n
	}
	staging, dev := environment(t, "staging"), environment(t, "dev")
	require.Equal(t, staging.Config.Account, dev.Config.Account)
	assert.Equal(t, 1, count(staging))
	assert.Equal(t, 0, count(dev))
	assert.Equal(t, 1, count(environment(t, "ops")), "an account of its own has a provider of its own")
}
