package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// The delegation of a host name from the parent zone (in the zone's account) to a zone
// of another environment's account: a Custom::CrossAccountZoneDelegation of the
// delegated environment assumes a role of the DnsZone stage, which writes the NS records
// of the delegated name into the parent zone. The flows on it are of scope DNSZone: the
// resources are the DnsZone stage's roles, the requests are on the parent zone, which the
// templates do not hold (it is imported by id).

// delegation is one Custom::CrossAccountZoneDelegation.
type delegation struct {
	// Name is the delegated name ("staging-api.garcon.app"); Zone the parent zone's id.
	Name, Zone string
	// By is the role of the custom resource's provider function.
	By *Principal
}

// delegations returns the delegations of every environment that assume role r.
func (v *View) delegations(r *Resource) ([]delegation, error) {
	var out []delegation
	for _, st := range v.Assembly.Stacks {
		for _, id := range st.LogicalIDs() {
			d := v.byStack[st][id]
			if d == nil || d.Type != "Custom::CrossAccountZoneDelegation" {
				continue
			}
			role, err := v.PropString(d, "AssumeRoleArn")
			if err != nil || role != r.ARN {
				continue
			}
			one, err := v.delegation(d)
			if err != nil {
				return nil, err
			}
			out = append(out, one)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (v *View) delegation(d *Resource) (delegation, error) {
	name, err := v.PropString(d, "DelegatedZoneName")
	if err != nil {
		return delegation{}, err
	}
	zone, err := v.PropString(d, "ParentZoneId")
	if err != nil {
		return delegation{}, err
	}
	by, err := v.providerRole(d)
	return delegation{Name: strings.TrimSuffix(name, "."), Zone: zone, By: by}, err
}

// providerRole follows a custom resource's ServiceToken (Fn::GetAtt <function>.Arn) to
// its function's role.
func (v *View) providerRole(d *Resource) (*Principal, error) {
	token, _ := d.Stack.Resources[d.LogicalID].Properties["ServiceToken"].(map[string]any)
	id, _, err := getAttOf(token)
	fn := v.byStack[d.Stack][id]
	if err != nil || fn == nil {
		return nil, fmt.Errorf("%s: ServiceToken is not a function of the stack", d.Name)
	}
	arn, err := v.PropString(fn, "Role")
	if err != nil {
		return nil, err
	}
	if p := v.roleByArn[arn]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("%s: the role of %s (%s) is not a role of the templates", d.Name, fn.Name, arn)
}

// DelegationRoles are the roles of the DnsZone stage that some environment's delegation
// assumes.
func DelegationRoles() What {
	return What{Desc: "delegation role", Of: func(v *View) ([]*Resource, error) {
		var out []*Resource
		for _, r := range v.ofType(roleType, false) {
			ds, err := v.delegations(r)
			if err != nil {
				return nil, err
			}
			if len(ds) > 0 {
				out = append(out, r)
			}
		}
		return out, nil
	}}
}

// Delegators are the roles of the custom resources that assume the delegation role.
func Delegators() Who {
	return Who{Desc: "delegation custom resource role", Of: func(v *View, r *Resource) ([]*Principal, error) {
		ds, err := v.delegations(r)
		seen := map[*Principal]bool{}
		var out []*Principal
		for _, d := range ds {
			if !seen[d.By] {
				seen[d.By] = true
				out = append(out, d.By)
			}
		}
		return out, err
	}}
}

// ItSelf is the role resource itself, as the principal.
func ItSelf() Who {
	return Who{Desc: "the role itself", Of: func(v *View, r *Resource) ([]*Principal, error) {
		if p := v.roleByArn[r.ARN]; p != nil {
			return []*Principal{p}, nil
		}
		return nil, fmt.Errorf("%s is not a role", r.Name)
	}}
}

// DelegatedAccountAdmin is an administrator of the account the role's delegations are
// made from, which is not the delegation's custom resource.
func DelegatedAccountAdmin() Who {
	return Who{Desc: "the delegated account's administrator", Of: func(v *View, r *Resource) ([]*Principal, error) {
		ds, err := v.delegations(r)
		if err != nil || len(ds) == 0 {
			return nil, err
		}
		return AccountAdmin().Of(&View{Model: v.Model, Env: ds[0].By.Env, Account: ds[0].By.Account}, r)
	}}
}

// Record names the record a ChangeRecords request changes, from a delegation.
type Record func(d delegation) (name, typ string)

// DelegatedNS is the NS record of the delegated name.
func DelegatedNS(d delegation) (string, string) { return d.Name, "NS" }

// DelegatedA is an A record of the delegated name (an alias to somewhere else).
func DelegatedA(d delegation) (string, string) { return d.Name, "A" }

// ParentNS is the NS record of the parent zone's apex (taking over the whole zone).
func ParentNS(d delegation) (string, string) {
	_, parent, _ := strings.Cut(d.Name, ".")
	return parent, "NS"
}

// SiblingNS is the NS record of another name of the parent zone.
func SiblingNS(d delegation) (string, string) { return "other-" + d.Name, "NS" }

// ChangeRecords is route53:ChangeResourceRecordSets on the parent zone of each of the
// role's delegations, with the record rec names, as action (UPSERT, DELETE, CREATE).
func ChangeRecords(action string, rec Record) How {
	return How{Desc: "change records", Of: func(v *View, _ *Principal, r *Resource) ([]Request, error) {
		ds, err := v.delegations(r)
		if err != nil {
			return nil, err
		}
		var out []Request
		for _, d := range ds {
			name, typ := rec(d)
			out = append(out, Request{
				Action: "route53:ChangeResourceRecordSets", Account: r.Account,
				ARN: "arn:" + cloudassembly.Partition(r.Region) + ":route53:::hostedzone/" + d.Zone,
				Context: map[string]any{
					"route53:ChangeResourceRecordSetsNormalizedRecordNames": []any{name},
					"route53:ChangeResourceRecordSetsRecordTypes":           []any{typ},
					"route53:ChangeResourceRecordSetsActions":               []any{action},
				},
			})
		}
		return out, nil
	}}
}
