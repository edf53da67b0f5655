package config

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ValidateAll validates every environment and the rules between them, returning all
// problems joined. Environments are data: any number of them, any names, several in one
// account, so nothing two environments create may clash — stage and host names, deploy
// branches, DR vaults, address space within an account, the availability zones CDK is
// told an account's region has, and each parent zone has one owner.
func ValidateAll(envs []Environment) error {
	var errs []error
	if len(envs) == 0 {
		errs = append(errs, errors.New("config: no environments defined; allowed: at least one"))
	}
	for _, e := range envs {
		errs = append(errs, e.Validate())
	}
	errs = append(errs, uniqueValues(envs)...)
	errs = append(errs, validateAccounts(envs)...)
	errs = append(errs, validateZoneOwners(envs)...)
	return errors.Join(errs...)
}

// uniqueValues reports values that must not be shared by two environments.
func uniqueValues(envs []Environment) []error {
	fields := []struct {
		field, what string
		value       func(Environment) []string
	}{
		{"Name", "an environment name", func(e Environment) []string { return []string{e.Name} }},
		{"StageName", "a stage name", func(e Environment) []string { return []string{e.StageName} }},
		{"DNS.APIHost/DNS.StaticHost", "a host name", func(e Environment) []string { return []string{e.APIDomain(), e.StaticDomain()} }},
		{"GitHub.Branch", "a deploy branch", func(e Environment) []string { return []string{e.GitHub.Branch} }},
		{"Backup.DRVaultName", "a vault name", func(e Environment) []string { return []string{e.Backup.DRVaultName} }},
	}
	var errs []error
	for _, f := range fields {
		owner := map[string]string{}
		for _, e := range envs {
			for _, v := range f.value(e) {
				if other, taken := owner[v]; taken {
					errs = append(errs, fmt.Errorf("%s: %s: %q is %s's too; allowed: %s of its own", e.Name, f.field, v, other, f.what))
					continue
				}
				owner[v] = e.Name
			}
		}
	}
	return errs
}

// validateAccounts checks environments that share an account: their VPC blocks must not
// overlap (they may be connected later, and overlapping blocks never can), and two in
// one region must agree on its availability zones, which CDK receives per account and
// region.
func validateAccounts(envs []Environment) []error {
	var errs []error
	for i, a := range envs {
		for _, b := range envs[:i] {
			if a.Account != b.Account {
				continue
			}
			pa, errA := netip.ParsePrefix(a.Network.VpcCidr)
			pb, errB := netip.ParsePrefix(b.Network.VpcCidr)
			if errA == nil && errB == nil && pa.Overlaps(pb) {
				errs = append(errs, fmt.Errorf("%s: Network.VpcCidr: %s overlaps %s's %s in account %s; allowed: a block of its own in a shared account",
					a.Name, a.Network.VpcCidr, b.Name, b.Network.VpcCidr, a.Account))
			}
			if a.Region == b.Region && !slices.Equal(a.AvailabilityZones, b.AvailabilityZones) {
				errs = append(errs, fmt.Errorf("%s: AvailabilityZones: %s differs from %s's %s in the same account and region; allowed: the same zones",
					a.Name, strings.Join(a.AvailabilityZones, ","), b.Name, strings.Join(b.AvailabilityZones, ",")))
			}
		}
	}
	return errs
}

// validateZoneOwners checks that environments naming the same parent zone agree on its id
// and owner account, and that each delegation role is one environment's.
func validateZoneOwners(envs []Environment) []error {
	var errs []error
	first := map[string]Environment{}
	roles := map[string]string{}
	for _, e := range envs {
		d := e.DNS
		if f, ok := first[d.ZoneName]; !ok {
			first[d.ZoneName] = e
		} else if f.DNS.HostedZoneID != d.HostedZoneID || f.DNS.ZoneAccount != d.ZoneAccount {
			errs = append(errs, fmt.Errorf("%s: DNS: zone %s is %s in account %s here but %s in account %s in %s; allowed: one id and one owner account per zone",
				e.Name, d.ZoneName, d.HostedZoneID, d.ZoneAccount, f.DNS.HostedZoneID, f.DNS.ZoneAccount, f.Name))
		}
		if d.Delegation == nil {
			continue
		}
		if other, ok := roles[d.Delegation.RoleName]; ok {
			errs = append(errs, fmt.Errorf("%s: DNS.Delegation.RoleName: %q is %s's; allowed: a role per environment, so each may write only its own names", e.Name, d.Delegation.RoleName, other))
		}
		roles[d.Delegation.RoleName] = e.Name
	}
	return errs
}
