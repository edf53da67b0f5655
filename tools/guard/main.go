// Command guard runs cfn-guard with the AWS Control Tower proactive-control rules (from
// the pinned @cdklabs/cdk-validator-cfnguard package) over every template of a
// synthesized cloud assembly, and fails on any finding that the exceptions file does not
// accept — and on any exception that no longer accepts a finding.
//
//	guard [-exceptions policy/control-tower-exceptions.txt] [-rules DIR] [-cfn-guard BIN] [cdk.out]
//
// Exit status: 0 when every finding is accepted and every exception is used; 1 when not;
// 2 when the assembly, the rules or the exceptions cannot be read.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
	"github.com/garcon/infrastructure/tools/internal/nodemodules"
)

// validatorPackage is the npm package that ships cfn-guard and the Control Tower rules.
const validatorPackage = "@cdklabs/cdk-validator-cfnguard"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("guard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exceptionsPath := fs.String("exceptions", filepath.Join("policy", "control-tower-exceptions.txt"), "the accepted findings, one per line with its reason")
	rulesDir := fs.String("rules", "", "the guard rules directory (default: the Control Tower rules of "+validatorPackage+" in node_modules)")
	guardBin := fs.String("cfn-guard", "", "the cfn-guard binary (default: the one "+validatorPackage+" ships for this platform)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := cloudassembly.DirArg(fs.Args())
	if err == nil {
		err = locateTools(rulesDir, guardBin)
	}
	var result *Result
	if err == nil {
		result, err = check(dir, *exceptionsPath, *guardBin, *rulesDir)
	}
	if err != nil {
		fmt.Fprintln(stderr, "guard:", err)
		return 2
	}
	result.write(stdout)
	if !result.Passed() {
		return 1
	}
	return 0
}

// locateTools fills in the default rules directory and binary from node_modules.
func locateTools(rulesDir, guardBin *string) error {
	if *rulesDir == "" {
		path, err := nodemodules.Find(filepath.Join(validatorPackage, "rules", "control-tower", "cfn-guard"))
		if err != nil {
			return err
		}
		*rulesDir = path
	}
	if *guardBin == "" {
		platform := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
		arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
		path, err := nodemodules.Find(filepath.Join(validatorPackage, "bin", platform, arch, "cfn-guard"))
		if err != nil {
			return fmt.Errorf("no cfn-guard for %s/%s: %w", runtime.GOOS, runtime.GOARCH, err)
		}
		*guardBin = path
	}
	return nil
}

// Result is the outcome of one check.
type Result struct {
	// Findings are all findings; Open those no exception accepts.
	Findings, Open []Finding
	// Accepted maps each accepted finding to its exception.
	Accepted map[Finding]Exception
	// Stale are exceptions that accepted nothing.
	Stale []Exception
}

// Passed reports whether every finding is accepted and every exception used.
func (r *Result) Passed() bool { return len(r.Open) == 0 && len(r.Stale) == 0 }

// check evaluates every template of the assembly in dir against the exceptions file.
func check(dir, exceptionsPath, guardBin, rulesDir string) (*Result, error) {
	assembly, err := cloudassembly.Load(dir)
	if err != nil {
		return nil, err
	}
	var templates []Template
	present := map[string]bool{}
	for _, s := range assembly.Stacks {
		for _, r := range s.Resources {
			present[r.Type] = true
		}
		path, err := filepath.Abs(s.TemplatePath) // cfn-guard names files by absolute path
		if err != nil {
			return nil, err
		}
		templates = append(templates, Template{Path: path, StackName: s.StackName})
	}
	f, err := os.Open(exceptionsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	exceptions, err := parseExceptions(f, exceptionsPath)
	if err != nil {
		return nil, err
	}
	rules, err := applicableRules(rulesDir, present)
	if err != nil {
		return nil, err
	}
	findings, err := evaluate(guardBin, rules, templates)
	if err != nil {
		return nil, err
	}
	open, accepted, stale := apply(findings, exceptions)
	return &Result{Findings: findings, Open: open, Accepted: accepted, Stale: stale}, nil
}

// write prints the counts per rule, then every open finding and stale exception.
func (r *Result) write(w io.Writer) {
	type count struct{ total, accepted int }
	perRule := map[string]*count{}
	for _, f := range r.Findings {
		if perRule[f.Rule] == nil {
			perRule[f.Rule] = &count{}
		}
		perRule[f.Rule].total++
		if _, ok := r.Accepted[f]; ok {
			perRule[f.Rule].accepted++
		}
	}
	rules := make([]string, 0, len(perRule))
	for rule := range perRule {
		rules = append(rules, rule)
	}
	sort.Strings(rules)
	fmt.Fprintf(w, "cfn-guard, AWS Control Tower rules: %d findings, %d accepted by exceptions, %d open, %d stale exceptions\n",
		len(r.Findings), len(r.Accepted), len(r.Open), len(r.Stale))
	for _, rule := range rules {
		fmt.Fprintf(w, "  %-32s %3d found  %3d accepted\n", rule, perRule[rule].total, perRule[rule].accepted)
	}
	for _, f := range r.Open {
		fmt.Fprintf(w, "OPEN   %s %s: %s\n", f.Rule, f.Resource, f.Title)
	}
	for _, e := range r.Stale {
		fmt.Fprintf(w, "STALE  exceptions line %d: %s %s accepts no finding any more: remove the line\n", e.Line, e.Rule, e.Resource)
	}
}
