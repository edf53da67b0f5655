package main

import (
	"compress/gzip"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// repoRoot is the module root, two directories above this package.
var repoRoot = filepath.Join("..", "..")

// TestStatefulTypesMatchStacksPackage keeps the tool's copy of the stateful types equal to
// stacks.StatefulResourceTypes without importing the (heavy) stacks package: it parses
// stacks/stateful.go and reads the string literals of the variable's initializer.
func TestStatefulTypesMatchStacksPackage(t *testing.T) {
	path := filepath.Join(repoRoot, "stacks", "stateful.go")
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var fromStacks []string
	found := false
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if name.Name != "StatefulResourceTypes" || i >= len(spec.Values) {
				continue
			}
			lit, ok := spec.Values[i].(*ast.CompositeLit)
			if !ok {
				t.Fatalf("%s: StatefulResourceTypes is not a composite literal; update this test", path)
			}
			found = true
			for _, elt := range lit.Elts {
				bl, ok := elt.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					t.Fatalf("%s: StatefulResourceTypes has a non-literal element; update this test", path)
				}
				s, err := strconv.Unquote(bl.Value)
				if err != nil {
					t.Fatal(err)
				}
				fromStacks = append(fromStacks, s)
			}
		}
		return false
	})
	if !found {
		t.Fatalf("%s: no StatefulResourceTypes variable", path)
	}
	want, got := slices.Sorted(slices.Values(fromStacks)), slices.Sorted(slices.Values(statefulResourceTypes))
	if !slices.Equal(want, got) {
		t.Fatalf("tools/stateguard's statefulResourceTypes %v differs from stacks.StatefulResourceTypes %v: "+
			"copy the list from stacks/stateful.go into stateful.go (and add replacement rules for new types)", got, want)
	}
}

// TestReplacementRulesCoverCDKServiceDatabase checks the replacement table against the
// service database shipped with the pinned CDK CLI (node_modules/aws-cdk/db.json.gz, the
// data behind `cdk diff`'s "requires replacement"): every property it marks as replacing
// ("yes") must be a rule, and every "maybe" must be a rule or explained in notReplacing.
func TestReplacementRulesCoverCDKServiceDatabase(t *testing.T) {
	path := filepath.Join(repoRoot, "node_modules", "aws-cdk", "db.json.gz")
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s not found: run `make deps` (npm ci) to install the pinned CDK CLI, then rerun", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var db struct {
		Schema struct {
			Resource struct {
				Entities []struct {
					CloudFormationType string `json:"cloudFormationType"`
					Properties         map[string]struct {
						CausesReplacement string `json:"causesReplacement"`
					} `json:"properties"`
				} `json:"entities"`
			} `json:"resource"`
		} `json:"schema"`
	}
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		t.Fatalf("decode %s: %v (has its format changed?)", path, err)
	}
	seen := map[string]bool{}
	for _, e := range db.Schema.Resource.Entities {
		if !isStateful(e.CloudFormationType) {
			continue
		}
		seen[e.CloudFormationType] = true
		have := map[string]bool{}
		for _, r := range rulesFor(e.CloudFormationType) {
			have[r.Property] = true
		}
		for prop, p := range e.Properties {
			switch p.CausesReplacement {
			case "yes":
				if !have[prop] {
					t.Errorf("%s.%s requires replacement (CDK service database) but is not in replacementRules", e.CloudFormationType, prop)
				}
			case "maybe":
				if _, explained := notReplacing[e.CloudFormationType][prop]; !have[prop] && !explained {
					t.Errorf("%s.%s may require replacement (CDK service database): add a MayReplace rule or explain it in notReplacing", e.CloudFormationType, prop)
				}
			}
		}
	}
	for _, typ := range statefulResourceTypes {
		if !seen[typ] {
			t.Errorf("%s is not in %s", typ, path)
		}
	}
}
