package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Weak references and stale consumers (README, "Cross-stack references").
//
// The stacks of a stage refer to each other with Fn::GetStackOutput, which CloudFormation
// resolves when the consuming stack is created or updated, and never again. When a
// producer's resource is replaced (a new Redis group, a new secret), its output's value
// changes but the consumer's template text does not: `cdk deploy` finds nothing to do for
// the consumer, and its tasks keep the old endpoint or the deleted secret's ARN.
//
// Two revisions close that gap, both hashes of resource definitions as the producer's
// template states them (type and properties, without tags, plus whatever they refer to
// inside that template — a subnet group whose replacement replaces the cache, say):
//
//   - watchProducers puts the revision of everything a producer publishes into an output
//     of the consumer. Broad on purpose: when it changes, the consumer's template changes,
//     the next deployment updates the stack and CloudFormation resolves its references
//     again; an update that changes no resource costs nothing.
//   - resourcesRevision hashes exactly the resources whose values a task definition reads
//     (endpoints, secrets, bucket): the service puts it into a container label, so new
//     tasks start when, and only when, one of them may have changed.

// publishScope is the child of a producer stack under which CDK creates the outputs its
// weak references read (aws-cdk-lib core/lib/private/refs.ts).
const publishScope = "Publish"

// maxReferenceDepth bounds the walk from a hashed resource to what it refers to.
const maxReferenceDepth = 4

// watchProducers adds to consumer the output UpstreamRevision, the revision of what
// producers publish (nil producers are skipped; with none left it adds nothing).
func watchProducers(consumer awscdk.Stack, producers ...awscdk.Stack) {
	var live []awscdk.Stack
	for _, p := range producers {
		if p != nil {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return
	}
	awscdk.NewCfnOutput(consumer, jsii.String("UpstreamRevision"), &awscdk.CfnOutputProps{
		Value:       lazyRevision(func() map[string]any { return publishedDefinitions(live) }),
		Description: jsii.String("Hash of what this stack reads from other stacks; it changes when one of those values may have"),
	})
}

// resourcesRevision returns a token for the revision of the given constructs' resources
// (each construct's default CloudFormation resource, or the construct itself when it is
// one) and of what they refer to in their stacks.
func resourcesRevision(sources ...constructs.IConstruct) *string {
	return lazyRevision(func() map[string]any {
		out := map[string]any{}
		byStack := map[string][]string{}
		stacks := map[string]awscdk.Stack{}
		for _, src := range sources {
			res := cfnResourceOf(src)
			if res == nil {
				panic("stacks: resourcesRevision: " + *src.Node().Path() + " has no CloudFormation resource")
			}
			stack := awscdk.Stack_Of(res)
			name := *stack.StackName()
			stacks[name] = stack
			byStack[name] = append(byStack[name], logicalID(stack, res))
		}
		for name, roots := range byStack {
			tpl, ok := writtenTemplate(stacks[name])
			if !ok {
				return map[string]any{"pending": true}
			}
			for id, def := range closure(tpl, roots) {
				out[name+"/"+id] = def
			}
		}
		return out
	})
}

// lazyRevision resolves, while templates are written, to a short hash of what
// definitions returns. Uncached: CDK resolves every token once while it looks for
// references, before it has created the published outputs a revision may be made of.
func lazyRevision(definitions func() map[string]any) *string {
	return awscdk.Lazy_UncachedString(&revisionProducer{definitions: definitions}, nil)
}

type revisionProducer struct {
	definitions func() map[string]any
}

// Produce implements awscdk.IStringProducer.
func (r *revisionProducer) Produce(awscdk.IResolveContext) *string {
	raw, err := json.Marshal(r.definitions()) // maps marshal with sorted keys: a stable hash
	if err != nil {
		panic("stacks: cannot hash resource definitions: " + err.Error())
	}
	sum := sha256.Sum256(raw)
	return jsii.String(hex.EncodeToString(sum[:8]))
}

// publishedDefinitions returns, keyed "<stack name>/<logical id>", the definitions of
// every resource a published output of producers refers to, and of what those refer to.
func publishedDefinitions(producers []awscdk.Stack) map[string]any {
	out := map[string]any{}
	for _, producer := range producers {
		tpl, ok := writtenTemplate(producer)
		if !ok {
			return map[string]any{"pending": true}
		}
		outputs, _ := tpl["Outputs"].(map[string]any)
		var roots []string
		for name, output := range outputs {
			if strings.HasPrefix(name, publishScope+"Output") {
				roots = append(roots, referencedIDs(output)...)
			}
		}
		for id, def := range closure(tpl, roots) {
			out[*producer.StackName()+"/"+id] = def
		}
	}
	return out
}

// writtenTemplate reads stack's template as synthesis wrote it. Synthesis writes the
// stacks of a stage in construct order, and a producer is always created before its
// consumers (they receive it), so when a consumer's template is resolved its producers'
// are on disk. Earlier, while CDK looks for references, they may not be: ok is false and
// the value is a placeholder that is resolved again later.
func writtenTemplate(stack awscdk.Stack) (map[string]any, bool) {
	path := filepath.Join(*awscdk.Stage_Of(stack).Outdir(), *stack.TemplateFile())
	raw, err := os.ReadFile(filepath.Clean(path)) // the template CDK wrote into its own outdir
	if err != nil {
		return nil, false
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return nil, false
	}
	return tpl, true
}

// closure returns, by logical id, the definitions of the roots and of the resources they
// refer to (transitively, up to maxReferenceDepth) in the template tpl. A definition is
// the resource's type and properties without tags: a tag never changes a value another
// stack reads.
func closure(tpl map[string]any, roots []string) map[string]any {
	resources, _ := tpl["Resources"].(map[string]any)
	out := map[string]any{}
	queue := roots
	for depth := 0; depth <= maxReferenceDepth && len(queue) > 0; depth++ {
		var next []string
		for _, id := range queue {
			res, ok := resources[id].(map[string]any)
			if _, done := out[id]; done || !ok {
				continue
			}
			props, _ := res["Properties"].(map[string]any)
			kept := map[string]any{}
			for key, value := range props {
				if !strings.HasSuffix(key, "Tags") && key != "Tags" {
					kept[key] = value
				}
			}
			out[id] = map[string]any{"Type": res["Type"], "Properties": kept}
			next = append(next, referencedIDs(kept)...)
		}
		queue = next
	}
	return out
}

// cfnResourceOf returns c's CloudFormation resource: c itself or its default child.
func cfnResourceOf(c constructs.IConstruct) awscdk.CfnResource {
	if res, ok := c.(awscdk.CfnResource); ok && *awscdk.CfnResource_IsCfnResource(c) {
		return res
	}
	if child := c.Node().DefaultChild(); child != nil {
		return cfnResourceOf(child)
	}
	return nil
}

// logicalID is res's logical id in stack, resolved.
func logicalID(stack awscdk.Stack, res awscdk.CfnResource) string {
	switch id := stack.Resolve(res.LogicalId()).(type) {
	case string:
		return id
	case *string:
		return *id
	}
	return ""
}

// referencedIDs returns the logical ids v refers to with Ref or Fn::GetAtt, sorted.
func referencedIDs(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["Ref"].(string); ok && !strings.HasPrefix(ref, "AWS::") {
				seen[ref] = true
			}
			if args, ok := x["Fn::GetAtt"].([]any); ok && len(args) > 0 {
				if id, ok := args[0].(string); ok {
					seen[id] = true
				}
			}
			for _, inner := range x {
				walk(inner)
			}
		case []any:
			for _, inner := range x {
				walk(inner)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
