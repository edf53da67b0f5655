package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// piFreeDays is Performance Insights' free retention: 7 days cost nothing.
const piFreeDays = 7

// priceDBInstance prices an RDS instance: instance hours and gp3 storage, both doubled for
// Multi-AZ (a standby of the same class and storage). A read replica (it names a
// SourceDBInstanceIdentifier) is an instance of its own: it inherits the engine and
// starts with the storage of its source.
func priceDBInstance(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	props := r.Properties
	class := cloudassembly.String(props["DBInstanceClass"])
	if class == "" {
		return nil, notPriced("no literal DBInstanceClass")
	}
	src, isReplica := replicaSource(ctx, props)
	engine := cloudassembly.String(props["Engine"])
	if engine == "" && src != nil {
		engine = cloudassembly.String(src.Resource().Properties["Engine"])
	}
	if engine != "postgres" {
		return nil, notPriced("engine %q: only PostgreSQL is in the price table", engine)
	}
	copies, deployment := 1.0, "Single-AZ"
	if cloudassembly.Bool(props["MultiAZ"]) {
		copies, deployment = 2, "Multi-AZ (instance and storage doubled)"
	}
	role := "instance"
	if isReplica {
		role = "read replica"
		if src != nil {
			role += " of " + src.LogicalID
		}
	}
	inst, err := hourly(ctx, copies, num(copies)+" × "+class, "rds.postgres."+class)
	if err != nil {
		return nil, err
	}
	inst.basis = fmt.Sprintf("%s, %s: %s", role, deployment, inst.basis)
	storage, err := dbStorage(ctx, props, src, isReplica, copies)
	if err != nil {
		return nil, err
	}
	return parts{inst, storage, performanceInsights(props)}, nil
}

// replicaSource resolves a replica's SourceDBInstanceIdentifier (an ARN joined around a
// Ref to the source) to the source instance when it is in this assembly.
func replicaSource(ctx *envContext, props map[string]any) (*cloudassembly.Target, bool) {
	ref, ok := props["SourceDBInstanceIdentifier"]
	if !ok {
		return nil, false
	}
	for _, t := range ctx.asm.References(ctx.stack, ref) {
		if t.Resource().Type == "AWS::RDS::DBInstance" {
			return &t, true
		}
	}
	return nil, true
}

func dbStorage(ctx *envContext, props map[string]any, src *cloudassembly.Target, isReplica bool, copies float64) (part, error) {
	storageType := cloudassembly.String(props["StorageType"])
	if storageType == "" && src != nil {
		storageType = cloudassembly.String(src.Resource().Properties["StorageType"])
	}
	if storageType != "gp3" {
		return part{}, notPriced("storage type %q: only gp3 is in the price table", storageType)
	}
	gib, origin := storageGiB(props, src, isReplica)
	if gib <= 0 {
		return part{}, notPriced("allocated storage unknown")
	}
	p, err := ctx.price("rds.gp3_gb_month")
	if err != nil {
		return part{}, err
	}
	return part{usd: copies * gib * p, basis: fmt.Sprintf("gp3 %s × %s GiB (%s) × %s", num(copies), num(gib), origin, usd(p))}, nil
}

// storageGiB is the instance's allocated storage; a replica without one starts with its
// source's, and when the source is not in the assembly the autoscaling ceiling is used as
// an upper bound.
func storageGiB(props map[string]any, src *cloudassembly.Target, isReplica bool) (float64, string) {
	if v, ok := cloudassembly.Number(props["AllocatedStorage"]); ok {
		return v, "AllocatedStorage"
	}
	if isReplica && src != nil {
		if v, ok := cloudassembly.Number(src.Resource().Properties["AllocatedStorage"]); ok {
			return v, "the source's AllocatedStorage"
		}
	}
	if v, ok := cloudassembly.Number(props["MaxAllocatedStorage"]); ok {
		return v, "MaxAllocatedStorage, an upper bound"
	}
	return 0, ""
}

func performanceInsights(props map[string]any) part {
	if !cloudassembly.Bool(props["EnablePerformanceInsights"]) {
		return part{basis: "Performance Insights off"}
	}
	days := float64(piFreeDays)
	if v, ok := cloudassembly.Number(props["PerformanceInsightsRetentionPeriod"]); ok {
		days = v
	}
	if days <= piFreeDays {
		return part{basis: fmt.Sprintf("Performance Insights %s days: free tier", num(days))}
	}
	return part{basis: strings.TrimSpace(fmt.Sprintf("Performance Insights %s days: paid retention not included", num(days)))}
}
