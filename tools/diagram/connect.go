package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// connect adds the edges one resource contributes: security-group rules, references
// between drawn resources, WAF associations, backup selections and copy actions.
func (b *builder) connect(st *cloudassembly.Stack, id string) {
	r := st.Resources[id]
	switch r.Type {
	case "AWS::EC2::SecurityGroupIngress":
		b.ingressRule(st, r.Properties["GroupId"], r.Properties)
		return
	case "AWS::EC2::SecurityGroup":
		rules, _ := r.Properties["SecurityGroupIngress"].([]any)
		self := map[string]any{"Ref": id}
		for _, rule := range rules {
			if m, ok := rule.(map[string]any); ok {
				b.ingressRule(st, self, m)
			}
		}
		return
	case "AWS::WAFv2::WebACLAssociation":
		b.association(st, r.Properties)
		return
	case "AWS::Backup::BackupSelection":
		b.selection(st, r.Properties)
		return
	}
	from, ok := b.nodeOf(st, id)
	if !ok {
		return
	}
	b.references(st, from, r)
	if r.Type == "AWS::Backup::BackupPlan" {
		b.copyActions(st, from, r.Properties)
	}
	if r.Type == "AWS::CloudFront::Distribution" {
		b.addEdge(internetID, from, "network", "tcp 443")
	}
	if r.Type == "AWS::Route53::HealthCheck" {
		// The probe reaches its target by name: draw it to the records of that name.
		cfg, _ := r.Properties["HealthCheckConfig"].(map[string]any)
		if to, ok := b.hosts[cloudassembly.String(cfg["FullyQualifiedDomainName"])]; ok {
			b.addEdge(from, to, "probe", "probes")
		}
	}
}

// references draws an edge to every drawn resource this one refers to. An ECS service
// is drawn with its task definition's references too (database, cache, bucket, secrets).
func (b *builder) references(st *cloudassembly.Stack, from string, r cloudassembly.Resource) {
	props := []any{r.Properties}
	if r.Type == "AWS::ECS::Service" {
		if td, ok := b.asm.Resolve(st, r.Properties["TaskDefinition"]); ok {
			props = append(props, td.Resource().Properties)
		}
	}
	for _, p := range props {
		for _, t := range b.asm.References(st, p) {
			if to, ok := b.nodeOf(t.Stack, t.LogicalID); ok {
				b.addEdge(from, to, "ref", "")
			}
		}
	}
}

// ingressRule draws consumer → provider for one rule: the resources that use the source
// security group (or the Internet, or the VPC for its own CIDR) to the resources that use
// the group the rule opens.
func (b *builder) ingressRule(st *cloudassembly.Stack, group any, rule map[string]any) {
	providers := b.groupUsers(st, group)
	if len(providers) == 0 {
		return
	}
	consumers := b.ruleSources(st, rule)
	label := b.portLabel(st, rule)
	for _, c := range consumers {
		for _, p := range providers {
			b.addEdge(c, p, "network", label)
		}
	}
}

func (b *builder) ruleSources(st *cloudassembly.Stack, rule map[string]any) []string {
	if src, ok := rule["SourceSecurityGroupId"]; ok {
		return b.groupUsers(st, src)
	}
	cidr := cloudassembly.String(rule["CidrIp"]) + cloudassembly.String(rule["CidrIpv6"])
	if cidr == "0.0.0.0/0" || cidr == "::/0" {
		return []string{internetID}
	}
	for _, s := range b.asm.StacksOf(st.Environment) {
		for _, id := range s.LogicalIDs() {
			r := s.Resources[id]
			if r.Type == "AWS::EC2::VPC" && cloudassembly.String(r.Properties["CidrBlock"]) == cidr {
				if n, ok := b.nodeOf(s, id); ok {
					return []string{n}
				}
			}
		}
	}
	return nil
}

// groupUsers returns the drawn resources that attach the security group v resolves to.
func (b *builder) groupUsers(st *cloudassembly.Stack, v any) []string {
	sg, ok := b.asm.Resolve(st, v)
	if !ok || sg.Resource().Type != "AWS::EC2::SecurityGroup" {
		return nil
	}
	var users []string
	for _, s := range b.asm.StacksOf(st.Environment) {
		for _, id := range s.LogicalIDs() {
			node, drawn := b.nodeOf(s, id)
			if !drawn {
				continue
			}
			for _, t := range b.asm.References(s, s.Resources[id].Properties) {
				if t.Stack == sg.Stack && t.LogicalID == sg.LogicalID {
					users = append(users, node)
				}
			}
		}
	}
	return users
}

// portLabel reads a rule's ports; a port given as a reference (the database's
// Endpoint.Port) is resolved to the resource's Port property.
func (b *builder) portLabel(st *cloudassembly.Stack, rule map[string]any) string {
	from, to := b.port(st, rule["FromPort"]), b.port(st, rule["ToPort"])
	proto := cloudassembly.String(rule["IpProtocol"])
	if from == "" {
		return proto
	}
	if to != "" && to != from {
		return fmt.Sprintf("%s %s-%s", proto, from, to)
	}
	return proto + " " + from
}

func (b *builder) port(st *cloudassembly.Stack, v any) string {
	if n, ok := cloudassembly.Number(v); ok {
		return fmt.Sprintf("%g", n)
	}
	if t, ok := b.asm.Resolve(st, v); ok {
		if n, ok := cloudassembly.Number(t.Resource().Properties["Port"]); ok {
			return fmt.Sprintf("%g", n)
		}
	}
	return ""
}

func (b *builder) association(st *cloudassembly.Stack, p map[string]any) {
	acl, okACL := b.asm.Resolve(st, p["WebACLArn"])
	target, okTarget := b.asm.Resolve(st, p["ResourceArn"])
	if !okACL || !okTarget {
		return
	}
	from, ok1 := b.nodeOf(acl.Stack, acl.LogicalID)
	to, ok2 := b.nodeOf(target.Stack, target.LogicalID)
	if ok1 && ok2 {
		b.addEdge(from, to, "protects", "protects")
	}
}

func (b *builder) selection(st *cloudassembly.Stack, p map[string]any) {
	plan, ok := b.asm.Resolve(st, p["BackupPlanId"])
	if !ok {
		return
	}
	from, ok := b.nodeOf(plan.Stack, plan.LogicalID)
	if !ok {
		return
	}
	sel, _ := p["BackupSelection"].(map[string]any)
	for _, t := range b.asm.References(st, sel["Resources"]) {
		if to, ok := b.nodeOf(t.Stack, t.LogicalID); ok {
			b.addEdge(from, to, "backup", "backs up")
		}
	}
}

// copyActions draws the plan's copy into the vault a destination ARN names, matched by the
// vault name (the ARN is a literal built from config, not a reference).
func (b *builder) copyActions(st *cloudassembly.Stack, from string, p map[string]any) {
	plan, _ := p["BackupPlan"].(map[string]any)
	rules, _ := plan["BackupPlanRule"].([]any)
	for _, rule := range rules {
		m, _ := rule.(map[string]any)
		copies, _ := m["CopyActions"].([]any)
		for _, c := range copies {
			cm, _ := c.(map[string]any)
			arn := cloudassembly.String(cm["DestinationBackupVaultArn"])
			_, vaultName, found := strings.Cut(arn, ":backup-vault:")
			if !found {
				continue
			}
			if to, region, ok := b.vaultNamed(st.Environment, vaultName); ok {
				b.addEdge(from, to, "copy", "daily copy to "+region)
			}
		}
	}
}

func (b *builder) vaultNamed(env, name string) (node, region string, ok bool) {
	for _, s := range b.asm.StacksOf(env) {
		for _, id := range s.LogicalIDs() {
			r := s.Resources[id]
			if r.Type == "AWS::Backup::BackupVault" && cloudassembly.String(r.Properties["BackupVaultName"]) == name {
				n, drawn := b.nodeOf(s, id)
				return n, s.Region, drawn
			}
		}
	}
	return "", "", false
}
