package stacks_test

import "github.com/garcon/infrastructure/stacks"

// parentZoneAccount is the account that owns the parent hosted zone.
func parentZoneAccount(env *stacks.Environment) string { return env.Config.DNS.ZoneAccount }
