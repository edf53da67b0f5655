package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly/cloudassemblytest"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// Every test of the package shares one evaluator process (and its cache of answers).
var (
	sharedOnce sync.Once
	shared     *iamsim.Simulator
	sharedErr  error
	sharedRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		_ = shared.Close()
	}
	os.Exit(code)
}

// simulator returns the shared evaluator and the repository root.
func simulator(t *testing.T) (*iamsim.Simulator, string) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedRoot, sharedErr = iamsim.Root(".")
		if sharedErr == nil {
			shared, sharedErr = iamsim.New(context.Background(), sharedRoot, 1)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr) // names what is missing and says "run `make deps`"
	}
	return shared, sharedRoot
}

// matrixOf evaluates the matrix of a (an assembly the test may have changed in memory).
func matrixOf(t *testing.T, a *cloudassembly.Assembly) []*Row {
	t.Helper()
	sim, root := simulator(t)
	rows, err := MatrixOf(sim, root, a)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// properties returns the properties of the resource of env at construct path path (below
// the environment, without "/Resource").
func properties(t *testing.T, a *cloudassembly.Assembly, env, path string) map[string]any {
	t.Helper()
	for _, st := range a.StacksOf(env) {
		for _, r := range st.Resources {
			if p := r.Path(); p == env+"/"+path+"/Resource" || p == env+"/"+path {
				return r.Properties
			}
		}
	}
	t.Fatalf("%s has no resource at %s", env, path)
	return nil
}

// statements returns the statement list of the policy document prop of props.
func statements(t *testing.T, props map[string]any, prop string) []any {
	t.Helper()
	doc, _ := props[prop].(map[string]any)
	list, ok := doc["Statement"].([]any)
	if !ok {
		t.Fatalf("%s has no statement list: %v", prop, props[prop])
	}
	return list
}

// setStatements replaces the statement list of the document prop of props.
func setStatements(props map[string]any, prop string, list []any) {
	props[prop].(map[string]any)["Statement"] = list
}

// without returns list without the statements keep rejects, failing when none matched.
func without(t *testing.T, list []any, drop func(s map[string]any) bool) []any {
	t.Helper()
	var out []any
	for _, s := range list {
		if !drop(s.(map[string]any)) {
			out = append(out, s)
		}
	}
	if len(out) == len(list) {
		t.Fatal("no statement to drop: the test no longer matches the templates")
	}
	return out
}

func hasSid(sid string) func(map[string]any) bool {
	return func(s map[string]any) bool { return s["Sid"] == sid }
}

// rowsOf returns the rows of env whose flow name starts with flow.
func rowsOf(t *testing.T, rows []*Row, env, flow string) []*Row {
	t.Helper()
	var out []*Row
	for _, r := range rows {
		if r.Env == env && strings.HasPrefix(r.Flow.Name, flow) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no row of the flow %q", env, flow)
	}
	return out
}

// load reads the real assembly afresh (tests change it in memory).
func load(t *testing.T) *cloudassembly.Assembly {
	t.Helper()
	return cloudassemblytest.Load(t)
}

// requireAll fails unless every row has the outcome want, naming the ones that do not.
func requireAll(t *testing.T, rows []*Row, want Outcome, what string) {
	t.Helper()
	for _, r := range rows {
		if r.Actual != want {
			t.Errorf("%s: %s %s → %s is %s, want %s (%s%v)", what, r.Env, r.principalName(), r.resourceName(), r.Actual, want, r.Detail, r.Err)
		}
	}
}
