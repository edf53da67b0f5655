package config

import (
	"fmt"
	"slices"
	"strconv"
)

// Resolve applies the command line's account overrides (lookup answers CDK context
// keys) to envs and validates the result: nothing is built from a configuration with a
// problem.
func Resolve(envs []Environment, lookup func(key string) (string, bool)) ([]Environment, error) {
	envs = ApplyAccountOverrides(envs, lookup)
	if err := ValidateAll(envs); err != nil {
		return nil, err
	}
	return envs, nil
}

// ContextValue renders a CDK context value as the string an override expects: context
// given with -c is a string, a number in cdk.json or cdk.context.json is a float64.
func ContextValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// ZoneAccountContextKey is the CDK context key (-c dns.account=…) that overrides
// DNS.ZoneAccount of every environment.
const ZoneAccountContextKey = "dns.account"

// ApplyAccountOverrides returns a copy of envs with Account replaced wherever lookup
// has a value for "<name>.account", and DNS.ZoneAccount wherever it has one for
// ZoneAccountContextKey (the CDK context keys given with -c).
func ApplyAccountOverrides(envs []Environment, lookup func(key string) (string, bool)) []Environment {
	out := slices.Clone(envs)
	zoneAccount, overrideZone := lookup(ZoneAccountContextKey)
	for i := range out {
		if account, ok := lookup(out[i].Name + ".account"); ok {
			out[i].Account = account
		}
		if overrideZone {
			out[i].DNS.ZoneAccount = zoneAccount
		}
	}
	return out
}
