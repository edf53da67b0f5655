package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
	"github.com/garcon/infrastructure/tools/internal/costreport"
)

// estimateReal estimates the synthesized app named by GARCON_CDK_OUT (CI sets it after
// make synth), or skips the test.
func estimateReal(t *testing.T) *Estimate {
	t.Helper()
	asm := cloudassemblytest.Load(t)
	prices, err := LoadPrices()
	require.NoError(t, err)
	est, err := Run(asm, prices, ConfigAssumptions(config.All()))
	require.NoError(t, err)
	return est
}

func TestRealAppEstimateIsStable(t *testing.T) {
	render := func() string {
		var out bytes.Buffer
		w, err := newDocWriter("markdown", &out)
		require.NoError(t, err)
		prices, err := LoadPrices()
		require.NoError(t, err)
		require.NoError(t, RenderEstimate(w, estimateReal(t), prices, 5))
		return out.String()
	}
	first := render()
	assert.Equal(t, first, render(), "two runs over the same assembly must print the same report")

	// Resource lines sorted by stack and logical id, then the environment-wide usage lines.
	est := estimateReal(t)
	for _, e := range est.Envs {
		for i := 1; i < len(e.Lines); i++ {
			prev, cur := e.Lines[i-1], e.Lines[i]
			prevUsage, curUsage := prev.Type == "usage", cur.Type == "usage"
			inOrder := (!prevUsage && curUsage) ||
				(prevUsage == curUsage && (prev.Stack < cur.Stack || (prev.Stack == cur.Stack && prev.LogicalID < cur.LogicalID)))
			assert.True(t, inOrder, "%s: lines out of order at %s/%s", e.Name, cur.Stack, cur.LogicalID)
		}
	}
}

func TestRealAppStagingCostsLessThanProduction(t *testing.T) {
	est := estimateReal(t)
	staging, production := est.Env("Staging"), est.Env("Production")
	require.NotNil(t, staging)
	require.NotNil(t, production)
	assert.Less(t, staging.Total(), production.Total())
	assert.Positive(t, staging.Total())
}

// Every resource of the real app has a price, a reason to be free, or a line that covers
// it: a new resource type makes this fail until someone decides how to price it.
func TestRealAppHasNothingUnpriced(t *testing.T) {
	for _, e := range estimateReal(t).Envs {
		assert.Empty(t, e.NotPriced, e.Name)
	}
}

// The app's shape as config describes it shows up in the lines: one NAT gateway per
// configured gateway, Multi-AZ only where config asks for it, interface endpoints only in
// production.
func TestRealAppLinesFollowConfig(t *testing.T) {
	est := estimateReal(t)
	for _, env := range config.All() {
		e := est.Env(env.StageName)
		require.NotNil(t, e, env.StageName)
		counts := map[string]int{}
		multiAZ := false
		for _, l := range e.Lines {
			counts[l.Type]++
			if l.Type == "AWS::RDS::DBInstance" && !multiAZ {
				multiAZ = bytes.Contains([]byte(l.Basis), []byte("Multi-AZ"))
			}
		}
		assert.Equal(t, env.Network.NatGateways, counts["AWS::EC2::NatGateway"], env.Name)
		assert.Equal(t, 1+env.Database.ReadReplicas, counts["AWS::RDS::DBInstance"], env.Name)
		assert.Equal(t, env.Database.MultiAZ, multiAZ, env.Name)
		endpoints := 1 // the S3 gateway endpoint
		if env.Network.InterfaceEndpoints {
			endpoints += 4
		}
		assert.Equal(t, endpoints, counts["AWS::EC2::VPCEndpoint"], env.Name)
	}
}

// The README's cost table is what the estimate of the current app says.
func TestReadmeCostTableIsCurrent(t *testing.T) {
	est := estimateReal(t)
	require.NoError(t, updateReadme("../../README.md", est, true))
}

// The JSON delta is the typed contract tools/prcomment reads: every environment, every
// change, and totals that add up.
func TestDeltaJSONRoundTrips(t *testing.T) {
	est := estimateReal(t)
	var buf bytes.Buffer
	require.NoError(t, costreport.Write(&buf, DeltaReport(Compare(&Estimate{}, est))))
	got, err := costreport.Read(&buf)
	require.NoError(t, err)
	require.Len(t, got.Environments, len(est.Envs))
	for i, e := range got.Environments {
		assert.Equal(t, est.Envs[i].Name, e.Name)
		assert.InDelta(t, est.Envs[i].Total(), e.Head, 0.005)
		sum := 0.0
		for _, c := range e.Changes {
			assert.Equal(t, "added", c.Kind)
			sum += c.Delta
		}
		assert.InDelta(t, e.Delta, sum, 0.01*float64(len(e.Changes)+1))
	}
}
