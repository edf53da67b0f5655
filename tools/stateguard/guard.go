package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Kind classifies a finding.
type Kind string

const (
	// Deleted: the logical id is in the base template and not in the head template.
	Deleted Kind = "DELETED"
	// StackRemoved: the whole stack is gone from the head assembly.
	StackRemoved Kind = "DELETED (stack removed)"
	// TypeChanged: same logical id, different resource type: CloudFormation deletes the
	// old resource and creates a new one.
	TypeChanged Kind = "DELETED (type changed)"
	// Replaced: a property whose change replaces the resource changed.
	Replaced Kind = "REPLACED"
	// Blocked: a property CloudFormation cannot update in place changed.
	Blocked Kind = "BLOCKED"
)

// Finding is one stateful resource that the head assembly would delete or replace.
type Finding struct {
	// Stack is the stack's display name, "Production/Data".
	Stack string
	// LogicalID is the resource's logical id in the base template.
	LogicalID string
	// Type is the resource's type in the base template.
	Type string
	// Kind says what happens to the resource.
	Kind Kind
	// Detail says what changed.
	Detail string
}

// String renders the finding on one line.
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s (%s) would be %s: %s", f.Stack, f.LogicalID, f.Type, f.Kind, f.Detail)
}

// Result is the outcome of comparing two assemblies.
type Result struct {
	// Findings are the stateful resources that would be deleted or replaced, sorted.
	Findings []Finding
	// Stacks is the number of base stacks compared.
	Stacks int
	// Stateful is the number of stateful resources in the base assembly.
	Stateful int
}

// Compare reports every stateful resource of base that head would delete or replace, and
// every resource ECS changes at run time (ecsOwned) that head changes at all. New
// resources and changes to other resources are not findings.
func Compare(base, head *cloudassembly.Assembly) Result {
	var res Result
	for _, b := range base.Stacks {
		name := b.Name
		res.Stacks++
		h := matchStack(head, b)
		res.Findings = append(res.Findings, ecsOwnedFindings(name, b, h)...)
		for _, id := range b.LogicalIDs() {
			br := b.Resources[id]
			if !isStateful(br.Type) {
				continue
			}
			res.Stateful++
			if h == nil {
				res.Findings = append(res.Findings, Finding{name, id, br.Type, StackRemoved,
					"the stack is not in the head assembly: `cdk deploy` leaves it behind unmanaged and destroying it deletes " +
						"this resource; if the stack was renamed or its resources moved, use `cdk refactor`"})
				continue
			}
			hr, ok := h.Resources[id]
			switch {
			case !ok:
				res.Findings = append(res.Findings, Finding{name, id, br.Type, Deleted, deletedDetail(h, br.Type, b)})
			case hr.Type != br.Type:
				res.Findings = append(res.Findings, Finding{name, id, br.Type, TypeChanged,
					fmt.Sprintf("the logical id now has type %s", hr.Type)})
			default:
				res.Findings = append(res.Findings, propertyFindings(name, id, br, hr)...)
			}
		}
	}
	return res
}

// matchStack finds the stack of head matching base: by display name first, then by
// artifact id (so a stack whose display name changed but whose artifact id did not still
// matches).
func matchStack(head *cloudassembly.Assembly, base *cloudassembly.Stack) *cloudassembly.Stack {
	if st := head.Stack(base.Name); st != nil {
		return st
	}
	for _, st := range head.Stacks {
		if st.ArtifactID == base.ArtifactID {
			return st
		}
	}
	return nil
}

// deletedDetail explains a vanished logical id, naming same-type resources that are new
// in the head stack: the usual cause is a renamed construct id or path.
func deletedDetail(head *cloudassembly.Stack, typ string, base *cloudassembly.Stack) string {
	var added []string
	for _, id := range head.LogicalIDs() {
		if head.Resources[id].Type != typ {
			continue
		}
		if _, existed := base.Resources[id]; !existed {
			added = append(added, id)
		}
	}
	msg := "the logical id is no longer in the template"
	if len(added) > 0 {
		msg += fmt.Sprintf("; new %s in this stack: %s (a renamed construct id or path?)", typ, strings.Join(added, ", "))
	}
	return msg
}

// propertyFindings compares the replacing properties of one resource.
func propertyFindings(stack, id string, base, head cloudassembly.Resource) []Finding {
	var out []Finding
	for _, r := range rulesFor(base.Type) {
		old := normalize(base.Properties[r.Property])
		cur := normalize(head.Properties[r.Property])
		if reflect.DeepEqual(old, cur) {
			continue
		}
		if r.Replaces != nil && !r.Replaces(old, cur) {
			continue
		}
		kind := Replaced
		if r.Effect == Immutable {
			kind = Blocked
		}
		out = append(out, Finding{stack, id, base.Type, kind,
			fmt.Sprintf("%s changed %s → %s (%s)", r.Property, describe(old), describe(cur), r.Effect)})
	}
	return out
}

// normalize makes template values comparable the way CloudFormation compares them:
// numbers and booleans are compared by their string form (5432 and "5432" are the same
// port), recursively through lists and maps.
func normalize(v any) any {
	switch t := v.(type) {
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	default:
		return v
	}
}

func jsonCompact(v any) (string, error) {
	if s, ok := v.(string); ok {
		return strconv.Quote(s), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// AckLabel is the pull-request label that acknowledges a stateful change in CI.
const AckLabel = "stateful-change-acknowledged"

// Report writes the findings, one per line, then the closing message for the reviewer.
// It returns true when the change must be blocked: findings exist and are not
// acknowledged.
func Report(w io.Writer, res Result, base, head string, acknowledged bool) bool {
	fmt.Fprintf(w, "stateguard: compared %d stacks (%d stateful resources) of %s with %s\n", res.Stacks, res.Stateful, base, head)
	if len(res.Findings) == 0 {
		fmt.Fprintln(w, "stateguard: OK — no stateful resource would be deleted or replaced")
		return false
	}
	for _, f := range res.Findings {
		fmt.Fprintln(w, f.String())
	}
	fmt.Fprintf(w, `
stateguard: %d stateful resource change(s) above would REPLACE or DELETE data
(databases, bucket objects, encryption keys, secrets, backups). CloudFormation creates the
new resource and deletes the old one: its data goes with it.
  - Renaming a construct or moving a resource to another stack? Keep the resource with
    `+"`cdk refactor`"+` (it moves logical ids without replacement) or restore the old id/path.
  - Intended (a planned migration, a restored copy, a throwaway staging resource)?
    Acknowledge it: in CI, add the pull-request label %q and re-run the
    job; locally, pass -acknowledge or set GARCON_ACK_STATEFUL=1.
`, len(res.Findings), AckLabel)
	for _, f := range res.Findings {
		if f.Kind == ECSOwned {
			fmt.Fprint(w, ecsOwnedAdvice)
			break
		}
	}
	if acknowledged {
		fmt.Fprintln(w, "stateguard: ACKNOWLEDGED — not failing; make sure the data is migrated or backed up before deploying")
		return false
	}
	return true
}
