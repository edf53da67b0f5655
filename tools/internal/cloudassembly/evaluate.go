package cloudassembly

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Evaluator turns template values into the concrete JSON CloudFormation would compute
// when it deploys them: every intrinsic function, pseudo parameter, parameter default,
// mapping, condition and cross-stack reference is resolved, and every resource reference
// becomes a deterministic fake physical id shaped like the real one (see physical.go).
// The same input always gives the same output, so two assemblies can be compared.
//
// It exists for tools that evaluate policies offline (tools/access): an IAM evaluator
// needs "arn:aws:iam::111111111111:role/Staging-Service-ApiTaskRole-AB12CD34EF56", not
// {"Fn::GetAtt": ["ApiTaskRole", "Arn"]}.
type Evaluator struct {
	byStackName map[string]*Stack
	conditions  map[*Stack]map[string]bool
	active      map[string]bool // attributes being computed, to detect cycles
}

// maxDepth bounds the evaluation of nested values, conditions and cross-stack outputs,
// so a cyclic template fails instead of recursing forever.
const maxDepth = 64

// noValue is what Ref AWS::NoValue evaluates to: the enclosing property or list element
// is dropped, as CloudFormation does.
type noValue struct{}

// NewEvaluator returns an evaluator over stacks: Fn::GetStackOutput references resolve
// to the outputs of those stacks (by CloudFormation stack name).
func NewEvaluator(stacks ...*Stack) *Evaluator {
	e := &Evaluator{byStackName: map[string]*Stack{}, conditions: map[*Stack]map[string]bool{}, active: map[string]bool{}}
	for _, s := range stacks {
		e.byStackName[s.StackName] = s
	}
	return e
}

// Evaluator returns an evaluator over the stacks of the assembly.
func (a *Assembly) Evaluator() *Evaluator { return NewEvaluator(a.Stacks...) }

// Eval returns v, a value of stack st's template, with every intrinsic function resolved.
// Properties and list elements that resolve to AWS::NoValue are dropped; a v that is
// itself AWS::NoValue gives nil. An intrinsic the evaluator cannot resolve honestly (an
// unknown function, a missing parameter default, an attribute without a model) is an
// error naming the stack and the value, never a guess.
func (e *Evaluator) Eval(st *Stack, v any) (any, error) {
	out, err := e.eval(st, v, 0)
	if _, ok := out.(noValue); ok {
		return nil, err
	}
	return out, err
}

// EvalString evaluates v and requires a string (numbers are formatted as CloudFormation
// does when it joins them).
func (e *Evaluator) EvalString(st *Stack, v any) (string, error) {
	out, err := e.Eval(st, v)
	if err != nil {
		return "", err
	}
	return scalarString(st, out)
}

// Exists reports whether the resource logicalID of st is created: it has no Condition, or
// its condition is true.
func (e *Evaluator) Exists(st *Stack, logicalID string) (bool, error) {
	r, ok := st.Resources[logicalID]
	if !ok {
		return false, fmt.Errorf("%s has no resource %s", st.Name, logicalID)
	}
	if r.Condition == "" {
		return true, nil
	}
	return e.Condition(st, r.Condition)
}

func (e *Evaluator) eval(st *Stack, v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: values nested deeper than %d levels (a cycle?)", st.Name, maxDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := intrinsic(x); ok {
			out, err := e.call(st, fn, arg, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			return out, nil
		}
		return e.evalMap(st, x, depth)
	case []any:
		return e.evalList(st, x, depth)
	}
	return v, nil
}

func (e *Evaluator) evalMap(st *Stack, m map[string]any, depth int) (any, error) {
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		val, err := e.eval(st, m[k], depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if _, drop := val.(noValue); !drop {
			out[k] = val
		}
	}
	return out, nil
}

func (e *Evaluator) evalList(st *Stack, l []any, depth int) (any, error) {
	out := make([]any, 0, len(l))
	for i, el := range l {
		val, err := e.eval(st, el, depth+1)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		if _, drop := val.(noValue); !drop {
			out = append(out, val)
		}
	}
	return out, nil
}

// intrinsic reports whether m is an intrinsic function call: a map with the single key
// "Ref" or "Fn::<name>".
func intrinsic(m map[string]any) (fn string, arg any, ok bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// call evaluates one intrinsic function.
func (e *Evaluator) call(st *Stack, fn string, arg any, depth int) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("wants a name, got %v", arg)
		}
		return e.ref(st, name, depth)
	case "Fn::GetAtt":
		id, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return e.getAtt(st, id, attr)
	case "Fn::Sub":
		return e.sub(st, arg, depth)
	case "Fn::If":
		return e.fnIf(st, arg, depth)
	case "Fn::GetStackOutput":
		return e.stackOutput(st, arg, depth)
	}
	args, err := e.eval(st, arg, depth)
	if err != nil {
		return nil, err
	}
	return e.callEvaluated(st, fn, args)
}

// callEvaluated evaluates the functions whose arguments are plain values once evaluated.
func (e *Evaluator) callEvaluated(st *Stack, fn string, args any) (any, error) {
	switch fn {
	case "Fn::Join":
		return join(st, args)
	case "Fn::Select":
		return selectFn(args)
	case "Fn::Split":
		l, err := stringArgs(st, args, 2)
		if err != nil {
			return nil, err
		}
		return toAnyList(strings.Split(l[1], l[0])), nil
	case "Fn::FindInMap":
		return findInMap(st, args)
	case "Fn::GetAZs":
		region, _ := args.(string)
		if region == "" {
			region = st.Region
		}
		return []any{region + "a", region + "b", region + "c"}, nil
	case "Fn::Base64":
		s, err := scalarString(st, args)
		return base64.StdEncoding.EncodeToString([]byte(s)), err
	}
	return nil, errors.New("not supported by the offline evaluator")
}

// ref resolves Ref: a pseudo parameter, a template parameter or a resource.
func (e *Evaluator) ref(st *Stack, name string, depth int) (any, error) {
	if v, ok, err := pseudo(st, name); ok || err != nil {
		return v, err
	}
	if p, ok := st.Parameters[name]; ok {
		return parameterValue(name, p)
	}
	if _, ok := st.Resources[name]; ok {
		if err := e.mustExist(st, name); err != nil {
			return nil, err
		}
		return e.physicalRef(st, name)
	}
	return nil, fmt.Errorf("%s: no parameter or resource %s", st.Name, name)
}

// mustExist fails when the resource logicalID is not created (its condition is false).
func (e *Evaluator) mustExist(st *Stack, logicalID string) error {
	ok, err := e.Exists(st, logicalID)
	if err == nil && !ok {
		err = fmt.Errorf("%s: %s is not created (its condition %s is false)", st.Name, logicalID, st.Resources[logicalID].Condition)
	}
	return err
}

// stackOutput resolves CDK's cross-stack reference {"Fn::GetStackOutput": {"StackName",
// "OutputName", "Region"?}} to the output's evaluated value in the other stack.
func (e *Evaluator) stackOutput(st *Stack, arg any, depth int) (any, error) {
	m, ok := arg.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("wants {StackName, OutputName}, got %v", arg)
	}
	args, err := e.eval(st, m, depth)
	if err != nil {
		return nil, err
	}
	ref := args.(map[string]any)
	name, output := String(ref["StackName"]), String(ref["OutputName"])
	other := e.byStackName[name]
	if other == nil {
		return nil, fmt.Errorf("no stack %q in the assembly", name)
	}
	if region := String(ref["Region"]); region != "" && region != other.Region {
		return nil, fmt.Errorf("stack %s is in %s, the reference says %s", name, other.Region, region)
	}
	out, ok := other.Outputs[output]
	if !ok {
		return nil, fmt.Errorf("stack %s has no output %s", name, output)
	}
	return e.eval(other, out.Value, depth+1)
}

func getAttArgs(arg any) (id, attr string, err error) {
	switch x := arg.(type) {
	case string:
		id, attr, _ = strings.Cut(x, ".")
	case []any:
		if len(x) == 2 {
			id, attr = String(x[0]), String(x[1])
		}
	}
	if id == "" || attr == "" {
		return "", "", fmt.Errorf("wants [logicalId, attribute], got %v", arg)
	}
	return id, attr, nil
}
