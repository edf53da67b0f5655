package cloudassembly

import (
	"fmt"
	"strings"
)

// sub evaluates Fn::Sub in both forms: "template" and ["template", {variables}].
// ${Name} is a variable, a parameter, a pseudo parameter or a resource's Ref;
// ${Logical.Attr} is a Fn::GetAtt; ${!Literal} is the literal text ${Literal}.
func (e *Evaluator) sub(st *Stack, arg any, depth int) (any, error) {
	tpl, vars, err := subArgs(arg)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	for name, v := range vars {
		s, err := e.eval(st, v, depth+1)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		if values[name], err = scalarString(st, s); err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(tpl, "${")
		if i < 0 {
			b.WriteString(tpl)
			return b.String(), nil
		}
		j := strings.Index(tpl[i:], "}")
		if j < 0 {
			return nil, fmt.Errorf("unterminated ${ in %q", tpl)
		}
		b.WriteString(tpl[:i])
		name := tpl[i+2 : i+j]
		tpl = tpl[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		v, err := e.subVariable(st, name, values, depth)
		if err != nil {
			return nil, err
		}
		b.WriteString(v)
	}
}

func subArgs(arg any) (string, map[string]any, error) {
	switch x := arg.(type) {
	case string:
		return x, nil, nil
	case []any:
		if len(x) == 2 {
			tpl, ok1 := x[0].(string)
			vars, ok2 := x[1].(map[string]any)
			if ok1 && ok2 {
				return tpl, vars, nil
			}
		}
	}
	return "", nil, fmt.Errorf("wants a string or [string, {variables}], got %v", arg)
}

// subVariable resolves one ${name} of a Fn::Sub template.
func (e *Evaluator) subVariable(st *Stack, name string, values map[string]string, depth int) (string, error) {
	name = strings.TrimSpace(name)
	if v, ok := values[name]; ok {
		return v, nil
	}
	var v any
	var err error
	if id, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
		v, err = e.getAtt(st, id, attr)
	} else {
		v, err = e.ref(st, name, depth+1)
	}
	if err != nil {
		return "", fmt.Errorf("${%s}: %w", name, err)
	}
	return scalarString(st, v)
}
