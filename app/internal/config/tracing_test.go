package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTracingIsOffUnlessAnEndpointIsSet(t *testing.T) {
	c, cerr := load(t, validEnv())
	require.Nil(t, cerr)
	assert.False(t, c.Tracing.Enabled())
	assert.Equal(t, DefaultTraceSampleRatio, c.Tracing.SampleRatio)

	env := validEnv()
	env[EnvOTLPEndpoint] = "http://localhost:4318/"
	env[EnvTraceSampleRatio] = "0.05"
	c, cerr = load(t, env)
	require.Nil(t, cerr)
	assert.True(t, c.Tracing.Enabled())
	assert.Equal(t, "http://localhost:4318", c.Tracing.Endpoint, "the base URL; the exporter adds /v1/traces")
	assert.InDelta(t, 0.05, c.Tracing.SampleRatio, 1e-12)
}

func TestTracingRejectsBadValues(t *testing.T) {
	cases := map[string]struct{ name, value, want string }{
		"no scheme":    {EnvOTLPEndpoint, "localhost:4318", "http:// or https:// URL with host and port"},
		"grpc scheme":  {EnvOTLPEndpoint, "grpc://localhost:4317", "http:// or https://"},
		"no port":      {EnvOTLPEndpoint, "http://localhost", "host and port"},
		"signal path":  {EnvOTLPEndpoint, "http://localhost:4318/v1/traces", "without path"},
		"ratio above":  {EnvTraceSampleRatio, "1.5", "a number from 0 to 1"},
		"ratio text":   {EnvTraceSampleRatio, "always", "a number from 0 to 1"},
		"ratio is NaN": {EnvTraceSampleRatio, "NaN", "a number from 0 to 1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			env := validEnv()
			env[tc.name] = tc.value
			_, cerr := load(t, env)
			require.NotNil(t, cerr)
			require.Len(t, cerr.Problems, 1)
			assert.Equal(t, tc.name, cerr.Problems[0].Var)
			assert.True(t, strings.Contains(cerr.Problems[0].Message, tc.want), cerr.Problems[0].Message)
		})
	}
}
