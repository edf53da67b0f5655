package cloudassembly

import (
	"sort"
	"strconv"
)

// Target is a resource an intrinsic function points at: the stack that holds it, its
// logical id and, for Fn::GetAtt, the attribute.
type Target struct {
	Stack     *Stack
	LogicalID string
	Attribute string
}

// Resource returns the target resource.
func (t Target) Resource() Resource { return t.Stack.Resources[t.LogicalID] }

// Resolve follows v when it is a Ref, an Fn::GetAtt or an Fn::GetStackOutput (the
// cross-stack reference CDK writes for stacks of one stage) to the resource it names.
// References to parameters, pseudo parameters or unknown stacks do not resolve.
func (a *Assembly) Resolve(from *Stack, v any) (Target, bool) {
	return a.resolve(from, v, 0)
}

func (a *Assembly) resolve(from *Stack, v any, depth int) (Target, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 || depth > 4 {
		return Target{}, false
	}
	if id, ok := m["Ref"].(string); ok {
		if _, exists := from.Resources[id]; exists {
			return Target{Stack: from, LogicalID: id}, true
		}
		return Target{}, false
	}
	if args, ok := m["Fn::GetAtt"].([]any); ok && len(args) == 2 {
		id, _ := args[0].(string)
		attr, _ := args[1].(string)
		if _, exists := from.Resources[id]; exists {
			return Target{Stack: from, LogicalID: id, Attribute: attr}, true
		}
		return Target{}, false
	}
	if ref, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
		return a.resolveStackOutput(ref, depth)
	}
	return Target{}, false
}

func (a *Assembly) resolveStackOutput(ref map[string]any, depth int) (Target, bool) {
	stackName, _ := ref["StackName"].(string)
	outputName, _ := ref["OutputName"].(string)
	st := a.StackNamed(stackName)
	if st == nil {
		return Target{}, false
	}
	out, ok := st.Outputs[outputName]
	if !ok {
		return Target{}, false
	}
	return a.resolve(st, out.Value, depth+1)
}

// References returns every resource v refers to, anywhere inside it (in Fn::Join,
// Fn::Sub lists, nested properties ...), deduplicated and sorted by stack and logical id.
func (a *Assembly) References(from *Stack, v any) []Target {
	seen := map[string]bool{}
	var out []Target
	Walk(v, func(node any) bool {
		t, ok := a.Resolve(from, node)
		if !ok {
			return true
		}
		key := t.Stack.Name + "\x00" + t.LogicalID
		if !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
		return false
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Stack.Name != out[j].Stack.Name {
			return out[i].Stack.Name < out[j].Stack.Name
		}
		return out[i].LogicalID < out[j].LogicalID
	})
	return out
}

// Walk calls fn on v and, while fn returns true, on every value nested in it. Map keys
// are visited in sorted order so callers see a deterministic sequence.
func Walk(v any, fn func(any) bool) {
	if !fn(v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			Walk(x[k], fn)
		}
	case []any:
		for _, e := range x {
			Walk(e, fn)
		}
	}
}

// Number reads a JSON number or a numeric string (CloudFormation accepts both, and CDK
// writes some numbers as strings, e.g. "AllocatedStorage": "100").
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// Bool reads a JSON boolean or a "true"/"false" string.
func Bool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	}
	return false
}

// String reads a literal string property ("" when absent or an intrinsic).
func String(v any) string {
	s, _ := v.(string)
	return s
}
