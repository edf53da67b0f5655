package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/config"
)

// lookup answers CDK context keys from m, as `-c key=value` would.
func contextOf(m map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) { v, ok := m[key]; return v, ok }
}

// A malformed account stops the app before anything is built (main.go exits 1 on
// Resolve's error, before Build: no stage and no assembly exist), naming environment,
// field and the override to use; the other environments' valid overrides raise nothing.
func TestMalformedAccountOverrideFailsBeforeAnythingIsBuilt(t *testing.T) {
	_, err := config.Resolve(config.All(), contextOf(map[string]string{"staging.account": "12ab", "production.account": "123456789012", "dns.account": "123456789012"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `staging: Account: "12ab" is not an AWS account id; allowed: exactly 12 digits (override with -c staging.account=123456789012)`)
	assert.NotContains(t, err.Error(), "production: Account")
}

func TestValidOverridesAreWhatTheStagesAreBuiltFrom(t *testing.T) {
	envs, err := config.Resolve(config.All(), contextOf(map[string]string{"production.account": "123456789012", "dns.account": "123456789012"}))
	require.NoError(t, err)
	byName := map[string]config.Environment{}
	for _, e := range envs {
		byName[e.Name] = e
	}
	assert.Equal(t, "123456789012", byName["production"].Account)
	assert.Equal(t, config.Staging().Account, byName["staging"].Account, "staging keeps its configured account")
	assert.Equal(t, "123456789012", byName["staging"].DNS.ZoneAccount, "the zone's owner moves with -c dns.account")
}

// The override reaches the app through CDK context as a string, or as a number when a
// context file holds one.
func TestContextValuesAreReadAsStrings(t *testing.T) {
	assert.Equal(t, "123456789012", config.ContextValue(float64(123456789012)))
	assert.Equal(t, "x", config.ContextValue("x"))
}
