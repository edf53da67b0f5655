package main

import "fmt"

// usageLines prices the environment-wide usage assumptions that belong to no single
// resource: log ingestion (every log group, flow log and WAF log together) and S3 storage
// (every bucket together). They are priced in the primary region; a value of zero adds
// no line, since zero is then the stated assumption.
func usageLines(ctx *envContext, env string, a Assumptions) ([]Line, error) {
	stack := env + " (usage)"
	var lines []Line
	add := func(id, key string, qty float64, what, field, note string) error {
		if qty == 0 {
			return nil
		}
		p, err := ctx.priceIn(a.PrimaryRegion, key)
		if err != nil {
			return fmt.Errorf("%s: %w", stack, err)
		}
		lines = append(lines, Line{
			Stack: stack, LogicalID: id, Type: "usage", Monthly: round2(qty * p),
			Basis: fmt.Sprintf("%s %s × %s (%s, %s prices; %s)", num(qty), what, usd(p), field, a.PrimaryRegion, note),
		})
		return nil
	}
	if err := add("CloudWatchLogsIngestion", "logs.ingested_gb", ctx.usage.LogsGBIngested, "GB ingested", "Usage.LogsGBIngested",
		"storage after ingestion not included"); err != nil {
		return nil, err
	}
	if err := add("S3Storage", "s3.standard_gb_month", ctx.usage.S3GB, "GB-month S3 Standard", "Usage.S3GB",
		"requests not included"); err != nil {
		return nil, err
	}
	return lines, nil
}
