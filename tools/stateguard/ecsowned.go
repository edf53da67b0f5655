package main

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// ECSOwned: a resource that ECS changes at run time was changed or removed.
const ECSOwned Kind = "CHANGED (owned by ECS at run time)"

// ECS native canary, linear and blue/green deployments move the weights of the
// production listener rule between the service's two target groups, and leave the new
// revision in the group that was idle: after every other release the "alternate" group is
// the live one. CloudFormation does not know: any update of the rule writes the
// template's weights back (main 100, alternate 0) and sends all traffic to a group
// without tasks (aws/aws-cdk#36649). The guard treats these resources like stateful ones.

// ecsManagedStrategies are the ECS deployment strategies that shift listener weights.
var ecsManagedStrategies = map[string]bool{"CANARY": true, "LINEAR": true, "BLUE_GREEN": true}

// ecsOwned returns the logical ids of the resources of st that ECS changes at run time —
// the production listener rule and both target groups of every service deployed with a
// traffic-shifting strategy — each with what it is.
func ecsOwned(st *cloudassembly.Stack) map[string]string {
	out := map[string]string{}
	for _, id := range st.LogicalIDs() {
		res := st.Resources[id]
		if res.Type != "AWS::ECS::Service" {
			continue
		}
		deployment, _ := res.Properties["DeploymentConfiguration"].(map[string]any)
		if strategy, _ := deployment["Strategy"].(string); !ecsManagedStrategies[strategy] {
			continue
		}
		lbs, _ := res.Properties["LoadBalancers"].([]any)
		for _, raw := range lbs {
			lb, _ := raw.(map[string]any)
			advanced, _ := lb["AdvancedConfiguration"].(map[string]any)
			for what, value := range map[string]any{
				"production listener rule": advanced["ProductionListenerRule"],
				"alternate target group":   advanced["AlternateTargetGroupArn"],
				"target group":             lb["TargetGroupArn"],
			} {
				if ref, ok := refOf(value); ok {
					out[ref] = fmt.Sprintf("%s of ECS service %s", what, id)
				}
			}
		}
	}
	return out
}

// refOf returns the logical id of a {"Ref": id} value.
func refOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	id, ok := m["Ref"].(string)
	return id, ok
}

// ecsOwnedFindings reports each ECS-owned resource of base that head removes or changes.
func ecsOwnedFindings(name string, base, head *cloudassembly.Stack) []Finding {
	owned := ecsOwned(base)
	ids := make([]string, 0, len(owned))
	for id := range owned {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Finding
	for _, id := range ids {
		b := base.Resources[id]
		var h cloudassembly.Resource
		found := false
		if head != nil {
			h, found = head.Resources[id]
		}
		switch {
		case !found:
			out = append(out, Finding{name, id, b.Type, ECSOwned, owned[id] + ": removed"})
		case !reflect.DeepEqual(normalize(b.Properties), normalize(h.Properties)) || b.Type != h.Type:
			out = append(out, Finding{name, id, b.Type, ECSOwned, owned[id] + ": " + changedProperties(b.Properties, h.Properties)})
		}
	}
	return out
}

// changedProperties names the top-level properties that differ.
func changedProperties(base, head map[string]any) string {
	keys := map[string]bool{}
	for k := range base {
		keys[k] = true
	}
	for k := range head {
		keys[k] = true
	}
	var changed []string
	for k := range keys {
		if !reflect.DeepEqual(normalize(base[k]), normalize(head[k])) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return fmt.Sprintf("%v changed: a deployment rewrites the template's listener weights over the ones ECS set", changed)
}

// ecsOwnedAdvice is printed when a finding is ECS-owned.
const ecsOwnedAdvice = `
ECS-owned resources above: ECS moves the production listener rule's weights during every
canary release and leaves the new revision in whichever target group was idle.
CloudFormation writes the template's weights (main 100, alternate 0) back on any update
of the rule, which sends every request to a group that may have no tasks.
  - Deploy such a change only while the main target group is live: check with
    aws elbv2 describe-rules --rule-arns <ProductionRule ARN>  (weight 100 on the main group);
    if the alternate group is live, release once more (ECS moves the traffic back) first.
  - Then acknowledge it as above.
`
