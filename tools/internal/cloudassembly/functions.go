package cloudassembly

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The plain intrinsic functions and pseudo parameters of the evaluator: their arguments
// are already-evaluated values.

// pseudo resolves the AWS:: pseudo parameters from the stack's environment.
func pseudo(st *Stack, name string) (any, bool, error) {
	if !strings.HasPrefix(name, "AWS::") {
		return nil, false, nil
	}
	switch name {
	case "AWS::NoValue":
		return noValue{}, true, nil
	case "AWS::NotificationARNs":
		return []any{}, true, nil
	case "AWS::StackName":
		return st.StackName, true, nil
	case "AWS::StackId":
		return stackID(st), true, nil
	}
	if st.Account == "" || st.Region == "" {
		return nil, true, fmt.Errorf("%s is environment-agnostic: %s has no value", st.Name, name)
	}
	switch name {
	case "AWS::AccountId":
		return st.Account, true, nil
	case "AWS::Region":
		return st.Region, true, nil
	case "AWS::Partition":
		return Partition(st.Region), true, nil
	case "AWS::URLSuffix":
		return URLSuffix(st.Region), true, nil
	}
	return nil, true, fmt.Errorf("unknown pseudo parameter %s", name)
}

// Partition returns the AWS partition of a region ("aws", "aws-cn", "aws-us-gov").
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// URLSuffix returns the domain suffix of a region's endpoints.
func URLSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// parameterValue returns a parameter's default: a list for CommaDelimitedList and
// List<...> types, a string otherwise.
func parameterValue(name string, p Parameter) (any, error) {
	if p.Default == nil {
		return nil, fmt.Errorf("parameter %s has no Default: the offline evaluator cannot know its value", name)
	}
	def := fmt.Sprint(p.Default)
	if p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<") {
		return toAnyList(strings.Split(def, ",")), nil
	}
	return def, nil
}

func join(st *Stack, args any) (any, error) {
	l, ok := args.([]any)
	if !ok || len(l) != 2 {
		return nil, fmt.Errorf("wants [delimiter, list], got %v", args)
	}
	delim, ok1 := l[0].(string)
	items, ok2 := l[1].([]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("wants [delimiter, list], got %v", args)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		s, err := scalarString(st, it)
		if err != nil {
			return nil, err
		}
		parts[i] = s
	}
	return strings.Join(parts, delim), nil
}

func selectFn(args any) (any, error) {
	l, ok := args.([]any)
	if !ok || len(l) != 2 {
		return nil, fmt.Errorf("wants [index, list], got %v", args)
	}
	i, ok := Number(l[0])
	items, isList := l[1].([]any)
	if !ok || !isList || i < 0 || int(i) >= len(items) {
		return nil, fmt.Errorf("index %v out of %v", l[0], l[1])
	}
	return items[int(i)], nil
}

func findInMap(st *Stack, args any) (any, error) {
	l, err := stringArgs(st, args, 3)
	if err != nil {
		return nil, err
	}
	top, _ := st.Mappings[l[0]].(map[string]any)
	second, _ := top[l[1]].(map[string]any)
	v, ok := second[l[2]]
	if !ok {
		return nil, fmt.Errorf("mapping %s has no %s.%s", l[0], l[1], l[2])
	}
	return v, nil
}

// stringArgs requires args to be a list of at least n strings.
func stringArgs(st *Stack, args any, n int) ([]string, error) {
	l, ok := args.([]any)
	if !ok || len(l) < n {
		return nil, fmt.Errorf("wants %d arguments, got %v", n, args)
	}
	out := make([]string, n)
	for i := range out {
		s, err := scalarString(st, l[i])
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// scalarString formats an evaluated string, number or boolean.
func scalarString(st *Stack, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%s: wants a string, got %v", st.Name, v)
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
