package main

import (
	"fmt"

	"github.com/garcon/infrastructure/internal/stateful"
)

// statefulResourceTypes are the types the guard protects: the one list of
// internal/stateful, which the stacks use too.
var statefulResourceTypes = stateful.Types

// isStateful reports whether resources of type typ hold data the guard protects.
func isStateful(typ string) bool { return stateful.Is(typ) }

// Effect is what CloudFormation does when a property of an existing resource changes.
type Effect int

const (
	// Replaces means "Update requires: Replacement": a new resource is created and the
	// old one, with its data, deleted.
	Replaces Effect = iota
	// MayReplace means the property replaces the resource in some cases (a conditional
	// create-only property), e.g. a change of the restore source.
	MayReplace
	// Immutable means CloudFormation refuses the update (KMS keys): the deployment fails
	// and the usual way out, a new key, loses access to everything encrypted with the old.
	Immutable
)

func (e Effect) String() string {
	switch e {
	case Replaces:
		return "requires replacement"
	case MayReplace:
		return "may require replacement"
	default:
		return "cannot be changed in place (the update fails; a new key would be needed)"
	}
}

// rule is one property of a stateful type whose change replaces the resource.
type rule struct {
	Property string
	Effect   Effect
	// Replaces, when set, decides whether a change from old to new replaces the resource
	// (nil: every change does). Values are normalized (see normalize).
	Replaces func(old, new any) bool
}

// conditional refines a "maybe" of the service database where the CloudFormation
// reference says exactly when the change replaces the resource.
var conditional = map[string]map[string]rule{
	"AWS::EC2::VPC": {
		// "Updating InstanceTenancy requires no replacement only if you are updating its
		// value from dedicated to default." (AWS::EC2::VPC reference)
		"InstanceTenancy": {Property: "InstanceTenancy", Effect: MayReplace, Replaces: func(old, new any) bool {
			return old != "dedicated" || (new != "default" && new != nil)
		}},
	},
}

// immutable lists properties CloudFormation refuses to update that the service database
// does not mark: "If you change the value of the KeySpec, KeyUsage, Origin, or
// MultiRegion properties of an existing KMS key, the update request fails, regardless of
// the value of the UpdateReplacePolicy attribute." (AWS::KMS::Key reference).
var immutable = map[string][]rule{
	"AWS::KMS::Key": {
		{Property: "KeySpec", Effect: Immutable},
		{Property: "KeyUsage", Effect: Immutable},
		{Property: "Origin", Effect: Immutable},
		{Property: "MultiRegion", Effect: Immutable},
	},
}

// notReplacing lists properties the CDK service database marks as possibly replacing
// ("maybe") that the guard deliberately lets through, each with the reason from the
// CloudFormation reference. Flagging them would fail routine configuration changes.
var notReplacing = map[string]map[string]string{
	"AWS::RDS::DBInstance": {
		"AutoMinorVersionUpgrade":    "modified in place by ModifyDBInstance (Update requires: No interruption)",
		"BackupRetentionPeriod":      "modified in place; a change to or from 0 causes a short outage, not a replacement",
		"DBParameterGroupName":       "applied in place, with a reboot for static parameters (Some interruptions)",
		"MultiAZ":                    "converted in place (Some interruptions)",
		"PreferredMaintenanceWindow": "modified in place (No interruption)",
		"StorageType":                "storage is migrated in place (Some interruptions)",
	},
	"AWS::ElastiCache::ReplicationGroup": {
		"AuthToken": "rotated in place with AuthTokenUpdateStrategy; CDK renders it as a Secrets Manager dynamic reference whose value never appears in the template",
	},
}

// describe renders a template value for a finding: compact JSON, cut at 80 characters.
func describe(v any) string {
	if v == nil {
		return "(unset)"
	}
	s := fmt.Sprintf("%v", v)
	if b, err := jsonCompact(v); err == nil {
		s = b
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
