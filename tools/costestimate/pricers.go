package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// pricer prices one resource. It returns a *notPricedError (via notPriced) when the
// resource cannot be priced, so it is listed instead of counted as zero.
type pricer func(ctx *envContext, id string, r cloudassembly.Resource) (parts, error)

// pricers are the price models, by CloudFormation type: the resources that dominate the bill.
var pricers = map[string]pricer{
	"AWS::EC2::NatGateway":                      priceNATGateway,
	"AWS::EC2::EIP":                             priceElasticIP,
	"AWS::EC2::VPCEndpoint":                     priceVPCEndpoint,
	"AWS::ElasticLoadBalancingV2::LoadBalancer": priceLoadBalancer,
	"AWS::ECS::Service":                         priceECSService,
	"AWS::RDS::DBInstance":                      priceDBInstance,
	"AWS::ElastiCache::ReplicationGroup":        priceReplicationGroup,
	"AWS::ElastiCache::CacheCluster":            priceCacheCluster,
	"AWS::WAFv2::WebACL":                        priceWebACL,
	"AWS::SecretsManager::Secret":               flatMonthly("secretsmanager.secret_month", "secret", "API calls ($0.05 per 10,000) not included"),
	"AWS::KMS::Key":                             priceKMSKey,
	"AWS::Route53::HostedZone":                  flatMonthly("route53.hosted_zone_month", "hosted zone", "DNS queries not included"),
	"AWS::Route53::HealthCheck":                 priceHealthCheck,
	"AWS::CloudWatch::Alarm":                    priceAlarm,
	"AWS::CloudWatch::CompositeAlarm":           flatMonthly("cloudwatch.composite_alarm_month", "composite alarm", ""),
	"AWS::CloudWatch::Dashboard":                flatMonthly("cloudwatch.dashboard_month", "dashboard", "the account's first 3 dashboards are free, not deducted here"),
	"AWS::CloudFront::Distribution":             priceDistribution,
	"AWS::Backup::BackupVault":                  priceBackupVault,
	"AWS::Backup::BackupPlan":                   priceBackupPlan,
	"AWS::Budgets::Budget":                      flatMonthly("budgets.budget_month", "budget", "a payer account's first two budgets are free, not deducted here"),
}

// hourly prices count units running all month at the unit price of key; label describes
// the units ("3 gateways", "2 × db.m7g.large").
func hourly(ctx *envContext, count float64, label, key string) (part, error) {
	p, err := ctx.price(key)
	if err != nil {
		return part{}, err
	}
	h := ctx.hours()
	return part{usd: count * h * p, basis: fmt.Sprintf("%s × %s h × %s", label, num(h), usd(p))}, nil
}

// countOf writes a count with its noun: "1 task", "3 tasks", "2 public IPv4 addresses".
func countOf(n float64, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return num(n) + " " + noun + "es"
	}
	return num(n) + " " + noun + "s"
}

// flatMonthly prices one unit of key per month; note (optional) says what is left out.
func flatMonthly(key, what, note string) pricer {
	return func(ctx *envContext, _ string, _ cloudassembly.Resource) (parts, error) {
		p, err := ctx.price(key)
		if err != nil {
			return nil, err
		}
		basis := fmt.Sprintf("1 %s × %s/month", what, usd(p))
		if note != "" {
			basis += " (" + note + ")"
		}
		return parts{{usd: p, basis: basis}}, nil
	}
}

func priceNATGateway(ctx *envContext, _ string, _ cloudassembly.Resource) (parts, error) {
	hours, err := hourly(ctx, 1, "1 gateway", "vpc.nat_gateway_hour")
	if err != nil {
		return nil, err
	}
	perGB, err := ctx.price("vpc.nat_gateway_gb")
	if err != nil {
		return nil, err
	}
	// The usage is per environment; each gateway processes an equal share of it.
	n := float64(ctx.counts["AWS::EC2::NatGateway"])
	gb := ctx.usage.NATGBProcessed / n
	data := part{usd: gb * perGB, basis: fmt.Sprintf("%s GB processed × %s (Usage.NATGBProcessed %s GB ÷ %s)",
		num(round2(gb)), usd(perGB), num(ctx.usage.NATGBProcessed), countOf(n, "gateway"))}
	return parts{hours, data}, nil
}

func priceElasticIP(ctx *envContext, _ string, _ cloudassembly.Resource) (parts, error) {
	p, err := hourly(ctx, 1, "1 public IPv4 address", "vpc.public_ipv4_hour")
	return parts{p}, err
}

func priceVPCEndpoint(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	kind := cloudassembly.String(r.Properties["VpcEndpointType"])
	if kind == "" || kind == "Gateway" {
		return parts{{usd: 0, basis: "gateway endpoint: no hourly or data charge"}}, nil
	}
	if kind != "Interface" {
		return nil, notPriced("VPC endpoint type %q has no price model", kind)
	}
	// One endpoint network interface per subnet, billed per AZ-hour. Subnet ids are often
	// references to another stack: each list element counts, whatever it resolves to.
	subnets, ok := r.Properties["SubnetIds"].([]any)
	if !ok || len(subnets) == 0 {
		return nil, notPriced("interface endpoint without a literal SubnetIds list: its AZ count is unknown")
	}
	p, err := hourly(ctx, float64(len(subnets)), countOf(float64(len(subnets)), "AZ")+" (SubnetIds)", "vpc.interface_endpoint_hour")
	if err != nil {
		return nil, err
	}
	p.basis += "; data processed ($0.01/GB) not included"
	return parts{p}, nil
}

func priceLoadBalancer(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	if t := cloudassembly.String(r.Properties["Type"]); t != "" && t != "application" {
		return nil, notPriced("load balancer type %q has no price model", t)
	}
	hours, err := hourly(ctx, 1, "1 load balancer", "elb.alb_hour")
	if err != nil {
		return nil, err
	}
	lcu, err := hourly(ctx, ctx.usage.LoadBalancerLCU, num(ctx.usage.LoadBalancerLCU)+" LCU", "elb.alb_lcu_hour")
	if err != nil {
		return nil, err
	}
	lcu.basis += " (Usage.LoadBalancerLCU)"
	out := parts{hours, lcu}
	if cloudassembly.String(r.Properties["Scheme"]) != "internal" {
		// An internet-facing ALB holds one public IPv4 address per subnet (AZ), dual-stack too.
		subnets, _ := r.Properties["Subnets"].([]any)
		if len(subnets) == 0 {
			return nil, notPriced("internet-facing load balancer without a literal Subnets list: its public IPv4 count is unknown")
		}
		ips, err := hourly(ctx, float64(len(subnets)), countOf(float64(len(subnets)), "public IPv4 address")+" (one per subnet)", "vpc.public_ipv4_hour")
		if err != nil {
			return nil, err
		}
		out = append(out, ips)
	}
	return out, nil
}

func priceECSService(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	if lt := cloudassembly.String(r.Properties["LaunchType"]); lt != "FARGATE" {
		return nil, notPriced("launch type %q: only FARGATE services are priced", lt)
	}
	desired := 1.0
	if v, ok := cloudassembly.Number(r.Properties["DesiredCount"]); ok {
		desired = v
	}
	target, ok := ctx.asm.Resolve(ctx.stack, r.Properties["TaskDefinition"])
	if !ok || target.Resource().Type != "AWS::ECS::TaskDefinition" {
		return nil, notPriced("its TaskDefinition is not a task definition of this assembly")
	}
	td := target.Resource().Properties
	cpu, okCPU := cloudassembly.Number(td["Cpu"])
	mem, okMem := cloudassembly.Number(td["Memory"])
	if !okCPU || !okMem {
		return nil, notPriced("task definition %s has no literal Cpu and Memory", target.LogicalID)
	}
	arch, prefix := "X86_64", "fargate.x86"
	if platform, ok := td["RuntimePlatform"].(map[string]any); ok && cloudassembly.String(platform["CpuArchitecture"]) == "ARM64" {
		arch, prefix = "ARM64", "fargate.arm"
	}
	perVCPU, err := ctx.price(prefix + "_vcpu_hour")
	if err != nil {
		return nil, err
	}
	perGB, err := ctx.price(prefix + "_gb_hour")
	if err != nil {
		return nil, err
	}
	vcpu, gb, h := cpu/1024, mem/1024, ctx.hours()
	return parts{{
		usd: desired * h * (vcpu*perVCPU + gb*perGB),
		basis: fmt.Sprintf("%s (DesiredCount; auto scaling may run more) × %s h × (%s vCPU × %s + %s GB × %s), Linux/%s",
			countOf(desired, "task"), num(h), num(vcpu), usd(perVCPU), num(gb), usd(perGB), arch),
	}}, nil
}

func priceReplicationGroup(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	nodes, how := 1.0, "NumCacheClusters not set: 1 assumed"
	if n, ok := cloudassembly.Number(r.Properties["NumCacheClusters"]); ok {
		nodes, how = n, "NumCacheClusters"
	} else if groups, ok := cloudassembly.Number(r.Properties["NumNodeGroups"]); ok {
		replicas, _ := cloudassembly.Number(r.Properties["ReplicasPerNodeGroup"])
		nodes, how = groups*(replicas+1), "NumNodeGroups × (ReplicasPerNodeGroup + 1)"
	}
	return cacheNodes(ctx, r, nodes, how)
}

func priceCacheCluster(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	nodes, ok := cloudassembly.Number(r.Properties["NumCacheNodes"])
	if !ok {
		return nil, notPriced("cache cluster without a literal NumCacheNodes")
	}
	return cacheNodes(ctx, r, nodes, "NumCacheNodes")
}

func cacheNodes(ctx *envContext, r cloudassembly.Resource, nodes float64, how string) (parts, error) {
	engine := strings.ToLower(cloudassembly.String(r.Properties["Engine"]))
	if engine == "" {
		engine = "redis"
	}
	nodeType := cloudassembly.String(r.Properties["CacheNodeType"])
	if nodeType == "" {
		return nil, notPriced("no literal CacheNodeType")
	}
	p, err := hourly(ctx, nodes, num(nodes)+" × "+nodeType+" ("+how+")", "elasticache."+engine+"."+nodeType)
	if err != nil {
		return nil, err
	}
	p.basis += "; snapshot storage not included"
	return parts{p}, nil
}

func priceWebACL(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	acl, err := ctx.price("waf.web_acl_month")
	if err != nil {
		return nil, err
	}
	perRule, err := ctx.price("waf.rule_month")
	if err != nil {
		return nil, err
	}
	perMillion, err := ctx.price("waf.million_requests")
	if err != nil {
		return nil, err
	}
	rules, _ := r.Properties["Rules"].([]any)
	// A regional ACL guards the API's load balancer; a CloudFront ACL the static assets.
	millions, field := ctx.usage.APIRequestsMillions, "Usage.APIRequestsMillions"
	if cloudassembly.String(r.Properties["Scope"]) == "CLOUDFRONT" {
		millions, field = ctx.usage.StaticRequestsMillions, "Usage.StaticRequestsMillions"
	}
	n := float64(len(rules))
	return parts{
		{usd: acl, basis: "web ACL " + usd(acl)},
		{usd: n * perRule, basis: fmt.Sprintf("%s × %s", countOf(n, "rule"), usd(perRule))},
		{usd: millions * perMillion, basis: fmt.Sprintf("%s M requests × %s (%s)", num(millions), usd(perMillion), field)},
	}, nil
}

func priceKMSKey(ctx *envContext, id string, r cloudassembly.Resource) (parts, error) {
	ps, err := flatMonthly("kms.key_month", "key", "API requests beyond the free 20,000 not included")(ctx, id, r)
	if err == nil && cloudassembly.Bool(r.Properties["EnableKeyRotation"]) {
		ps[0].basis += "; rotation on: each of the first two yearly rotations adds $1/month, not included"
	}
	return ps, err
}

func priceHealthCheck(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	cfg, _ := r.Properties["HealthCheckConfig"].(map[string]any)
	typ := cloudassembly.String(cfg["Type"])
	if typ == "CALCULATED" || typ == "CLOUDWATCH_METRIC" || typ == "RECOVERY_CONTROL" {
		return flatMonthly("route53.health_check_aws_month", typ+" health check", "")(ctx, "", r)
	}
	// The probe targets the API by host name; it is priced as a non-AWS endpoint, the
	// rate Route 53 applies unless the target is an AWS resource of the same account.
	base, err := ctx.price("route53.health_check_non_aws_month")
	if err != nil {
		return nil, err
	}
	perFeature, err := ctx.price("route53.health_check_feature_non_aws_month")
	if err != nil {
		return nil, err
	}
	var features []string
	if strings.HasPrefix(typ, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(typ, "_STR_MATCH") {
		features = append(features, "string matching")
	}
	if cloudassembly.Bool(cfg["MeasureLatency"]) {
		features = append(features, "latency measurement")
	}
	if interval, ok := cloudassembly.Number(cfg["RequestInterval"]); ok && interval == 10 {
		features = append(features, "fast interval")
	}
	n := float64(len(features))
	return parts{
		{usd: base, basis: fmt.Sprintf("%s check of a non-AWS endpoint %s", typ, usd(base))},
		{usd: n * perFeature, basis: fmt.Sprintf("%s (%s) × %s", countOf(n, "optional feature"), strings.Join(features, ", "), usd(perFeature))},
	}, nil
}

// priceAlarm bills per alarm metric: a metric-math alarm pays for each metric it reads,
// an anomaly-detection alarm for three (the metric and the two band edges), a
// high-resolution (period under 60 s) metric at the high-resolution rate.
func priceAlarm(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	metrics, highRes, anomaly := alarmMetrics(r.Properties)
	key, kind := "cloudwatch.alarm_metric_month", "standard"
	if highRes {
		key, kind = "cloudwatch.alarm_metric_high_res_month", "high-resolution"
	}
	p, err := ctx.price(key)
	if err != nil {
		return nil, err
	}
	billed := float64(metrics)
	what := countOf(billed, kind+" alarm metric")
	if anomaly {
		billed *= 3
		what = "anomaly detection: 3 × " + what
	}
	return parts{{usd: billed * p, basis: fmt.Sprintf("%s × %s", what, usd(p))}}, nil
}

func alarmMetrics(props map[string]any) (metrics int, highRes, anomaly bool) {
	list, ok := props["Metrics"].([]any)
	if !ok {
		period, _ := cloudassembly.Number(props["Period"])
		return 1, period > 0 && period < 60, false
	}
	for _, m := range list {
		q, _ := m.(map[string]any)
		if stat, ok := q["MetricStat"].(map[string]any); ok {
			metrics++
			if period, _ := cloudassembly.Number(stat["Period"]); period > 0 && period < 60 {
				highRes = true
			}
		}
		if strings.Contains(cloudassembly.String(q["Expression"]), "ANOMALY_DETECTION_BAND") {
			anomaly = true
		}
	}
	return metrics, highRes, anomaly
}

func priceDistribution(ctx *envContext, _ string, r cloudassembly.Resource) (parts, error) {
	perGB, err := ctx.price("cloudfront.gb_out")
	if err != nil {
		return nil, err
	}
	per10k, err := ctx.price("cloudfront.https_10k_requests")
	if err != nil {
		return nil, err
	}
	// The environment's static traffic is split evenly over its distributions.
	n := float64(ctx.counts["AWS::CloudFront::Distribution"])
	gb := ctx.usage.CloudFrontGBOut / n
	millions := ctx.usage.StaticRequestsMillions / n
	cfg, _ := r.Properties["DistributionConfig"].(map[string]any)
	class := cloudassembly.String(cfg["PriceClass"])
	if class == "" {
		class = "PriceClass_All"
	}
	return parts{
		{usd: gb * perGB, basis: fmt.Sprintf("%s GB out × %s (Usage.CloudFrontGBOut; %s, all traffic at the Europe/North America rate)", num(gb), usd(perGB), class)},
		{usd: millions * 100 * per10k, basis: fmt.Sprintf("%s M HTTPS requests × %s per 10,000 (Usage.StaticRequestsMillions)", num(millions), usd(per10k))},
	}, nil
}
