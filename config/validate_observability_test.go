package config_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

func TestTracingAndEcsExecPerEnvironment(t *testing.T) {
	staging, production := config.Staging(), config.Production()
	assert.True(t, staging.Service.Tracing.Enabled)
	assert.True(t, production.Service.Tracing.Enabled)
	assert.Less(t, production.Service.Tracing.SampleRatio, staging.Service.Tracing.SampleRatio, "production samples, staging traces everything")
	assert.True(t, staging.Service.EcsExec.Enabled)
	assert.False(t, production.Service.EcsExec.Enabled, "no debugging sessions in production unless turned on in review")
}

func TestTracingDefaults(t *testing.T) {
	got := config.Tracing{Enabled: true}.WithDefaults()
	assert.Equal(t, config.Tracing{Enabled: true, SampleRatio: 1, CollectorCPU: 64, CollectorMemoryMiB: 128}, got)
	env := config.Staging()
	env.Service.Tracing = config.Tracing{Enabled: true}
	require.NoError(t, env.Validate(), "the defaults fit the smallest task (256 CPU, 512 MiB)")
	env.Service.Tracing = config.Tracing{SampleRatio: 7, CollectorMemoryMiB: 4096}
	require.NoError(t, env.Validate(), "nothing of a disabled collector is checked")
}

// Each bad tracing value gives one error naming environment, field and range.
func TestValidateReportsBadTracingValues(t *testing.T) {
	cases := []struct {
		name   string
		base   func() config.Environment
		mutate func(t *config.Tracing)
		want   []string
	}{
		{"ratio above one", config.Staging, func(t *config.Tracing) { t.SampleRatio = 1.5 }, []string{"staging: Service.Tracing.SampleRatio:", "1.5 is out of range; allowed: 0.0001 to 1"}},
		{"ratio negative", config.Production, func(t *config.Tracing) { t.SampleRatio = -0.1 }, []string{"production: Service.Tracing.SampleRatio:", "0.0001 to 1"}},
		{"ratio NaN", config.Production, func(t *config.Tracing) { t.SampleRatio = math.NaN() }, []string{"production: Service.Tracing.SampleRatio:", "NaN is out of range"}},
		{"cpu too small", config.Staging, func(t *config.Tracing) { t.CollectorCPU = 8 }, []string{"staging: Service.Tracing.CollectorCPU:", "16 to 64 CPU units (a quarter of Service.CPU 256)"}},
		{"cpu over a quarter", config.Production, func(t *config.Tracing) { t.CollectorCPU = 512 }, []string{"production: Service.Tracing.CollectorCPU:", "16 to 256"}},
		{"memory too small", config.Staging, func(t *config.Tracing) { t.CollectorMemoryMiB = 32 }, []string{"staging: Service.Tracing.CollectorMemoryMiB:", "64 to 128 MiB (a quarter of Service.MemoryMiB 512)"}},
		{"memory over a quarter", config.Production, func(t *config.Tracing) { t.CollectorMemoryMiB = 1024 }, []string{"production: Service.Tracing.CollectorMemoryMiB:", "64 to 512"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.base()
			tc.mutate(&env.Service.Tracing)
			err := env.Validate()
			require.Error(t, err)
			require.Len(t, strings.Split(err.Error(), "\n"), 1, "one bad value, one error:\n%s", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
