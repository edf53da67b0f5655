package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

func priceBackupVault(ctx *envContext, _ string, _ cloudassembly.Resource) (parts, error) {
	p, err := ctx.price("backup.storage_gb_month")
	if err != nil {
		return nil, err
	}
	gb := ctx.usage.BackupGB
	return parts{{usd: gb * p, basis: fmt.Sprintf("%s GB-month stored × %s (Usage.BackupGB, priced as RDS snapshot storage)", num(gb), usd(p))}}, nil
}

// priceBackupPlan prices the plan's cross-region copies as data transfer; the copies'
// storage is priced on the destination vault.
func priceBackupPlan(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	var out parts
	for _, dest := range copyDestinations(r.Properties) {
		region := arnRegion(dest)
		if region == "" {
			return nil, notPriced("copy destination %v: its region is unknown", dest)
		}
		if region == ctx.stack.Region {
			continue
		}
		p, err := ctx.price("transfer.inter_region_gb")
		if err != nil {
			return nil, err
		}
		gb := ctx.usage.BackupGB
		out = append(out, part{usd: gb * p, basis: fmt.Sprintf("copy to %s: %s GB × %s inter-region transfer (Usage.BackupGB copied once a month)", region, num(gb), usd(p))})
	}
	if len(out) == 0 {
		out = parts{{usd: 0, basis: "no cross-region copy: the plan itself has no charge"}}
	}
	return out, nil
}

func copyDestinations(props map[string]any) []any {
	plan, _ := props["BackupPlan"].(map[string]any)
	rules, _ := plan["BackupPlanRule"].([]any)
	var out []any
	for _, rule := range rules {
		m, _ := rule.(map[string]any)
		copies, _ := m["CopyActions"].([]any)
		for _, c := range copies {
			cm, _ := c.(map[string]any)
			out = append(out, cm["DestinationBackupVaultArn"])
		}
	}
	return out
}

// arnRegion returns the region of a literal ARN ("arn:aws:backup:eu-west-1:…"), or "".
func arnRegion(v any) string {
	parts := strings.Split(cloudassembly.String(v), ":")
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}
