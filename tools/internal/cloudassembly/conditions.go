package cloudassembly

import (
	"fmt"
	"reflect"
)

// Condition evaluates the template condition name of stack st (Fn::Equals, Fn::Not,
// Fn::And, Fn::Or and Condition over parameters and pseudo parameters).
func (e *Evaluator) Condition(st *Stack, name string) (bool, error) {
	return e.condition(st, name, 0)
}

func (e *Evaluator) condition(st *Stack, name string, depth int) (bool, error) {
	if v, ok := e.conditions[st][name]; ok {
		return v, nil
	}
	expr, ok := st.Conditions[name]
	if !ok {
		return false, fmt.Errorf("%s has no condition %s", st.Name, name)
	}
	v, err := e.evalCondition(st, expr, depth+1)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	if e.conditions[st] == nil {
		e.conditions[st] = map[string]bool{}
	}
	e.conditions[st][name] = v
	return v, nil
}

// evalCondition evaluates a condition expression.
func (e *Evaluator) evalCondition(st *Stack, expr any, depth int) (bool, error) {
	if depth > maxDepth {
		return false, fmt.Errorf("conditions nested deeper than %d levels (a cycle?)", maxDepth)
	}
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("not a condition: %v", expr)
	}
	for fn, arg := range m {
		return e.conditionFn(st, fn, arg, depth)
	}
	return false, nil
}

func (e *Evaluator) conditionFn(st *Stack, fn string, arg any, depth int) (bool, error) {
	if fn == "Condition" {
		name, ok := arg.(string)
		if !ok {
			return false, fmt.Errorf("Condition wants a name, got %v", arg)
		}
		return e.condition(st, name, depth)
	}
	args, ok := arg.([]any)
	if !ok {
		return false, fmt.Errorf("%s wants a list, got %v", fn, arg)
	}
	switch fn {
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals wants 2 values, got %d", len(args))
		}
		a, err := e.Eval(st, args[0])
		if err != nil {
			return false, err
		}
		b, err := e.Eval(st, args[1])
		return equalValues(a, b), err
	case "Fn::Not":
		if len(args) != 1 {
			return false, fmt.Errorf("Fn::Not wants 1 condition, got %d", len(args))
		}
		v, err := e.evalCondition(st, args[0], depth+1)
		return !v, err
	case "Fn::And", "Fn::Or":
		return e.andOr(st, fn == "Fn::And", args, depth)
	}
	return false, fmt.Errorf("%s is not a condition function", fn)
}

func (e *Evaluator) andOr(st *Stack, and bool, args []any, depth int) (bool, error) {
	for _, a := range args {
		v, err := e.evalCondition(st, a, depth+1)
		if err != nil {
			return false, err
		}
		if v != and {
			return v, nil
		}
	}
	return and, nil
}

// equalValues compares two evaluated values as CloudFormation's Fn::Equals does: by
// value, with numbers and strings compared as their string forms.
func equalValues(a, b any) bool {
	as, aErr := scalarString(&Stack{}, a)
	bs, bErr := scalarString(&Stack{}, b)
	if aErr == nil && bErr == nil {
		return as == bs
	}
	return reflect.DeepEqual(a, b)
}

// fnIf evaluates {"Fn::If": [condition, ifTrue, ifFalse]}; only the chosen branch is
// evaluated, as in CloudFormation (the other may refer to resources that do not exist).
func (e *Evaluator) fnIf(st *Stack, arg any, depth int) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return nil, fmt.Errorf("wants [condition, ifTrue, ifFalse], got %v", arg)
	}
	name, ok := l[0].(string)
	if !ok {
		return nil, fmt.Errorf("wants a condition name, got %v", l[0])
	}
	v, err := e.condition(st, name, depth)
	if err != nil {
		return nil, err
	}
	if v {
		return e.eval(st, l[1], depth)
	}
	return e.eval(st, l[2], depth)
}
