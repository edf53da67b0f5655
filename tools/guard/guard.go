package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Finding is one resource that fails one Control Tower rule.
type Finding struct {
	// Rule is the control's id, e.g. "CT.S3.PR.10" (or the guard rule name when the
	// rule carries no control id).
	Rule string
	// Resource is "<stack name>/<logical id>", e.g. "Production-Data/StorageLogs2A2D4D26".
	Resource string
	// Title is the control's one-line description.
	Title string
}

// Template is one template to check and the stack it belongs to.
type Template struct {
	// Path is the template file.
	Path string
	// StackName is the CloudFormation stack name, e.g. "Production-Data".
	StackName string
}

// guardExitFailed is cfn-guard's exit status when a rule is not compliant; the report is
// still complete.
const guardExitFailed = 19

// guardTimeout bounds one cfn-guard run (about 16 s over the whole app on 2 cores), so a
// hung binary fails CI with a message instead of at the job's time limit.
const guardTimeout = 5 * time.Minute

// evaluate runs cfn-guard once over every template with the given rule files and returns
// the findings, sorted.
func evaluate(guardBin string, rules []string, templates []Template) ([]Finding, error) {
	if len(templates) == 0 {
		return nil, errors.New("no templates to check")
	}
	if len(rules) == 0 {
		return nil, errors.New("no guard rules apply to the templates' resource types")
	}
	args := []string{"validate", "--output-format", "json", "--show-summary", "none", "--structured"}
	for _, r := range rules {
		args = append(args, "--rules", r)
	}
	stackOf := map[string]string{}
	for _, t := range templates {
		args = append(args, "--data", t.Path)
		stackOf[t.Path] = t.StackName
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), guardTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, guardBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != guardExitFailed {
			return nil, fmt.Errorf("%s: %w: %s", guardBin, err, strings.TrimSpace(stderr.String()))
		}
	}
	return parseReport(stdout.Bytes(), stackOf)
}

// report is cfn-guard's structured JSON output: one entry per data file.
type report []struct {
	Name         string            `json:"name"`
	NotCompliant []json.RawMessage `json:"not_compliant"`
}

var (
	controlID    = regexp.MustCompile(`\[(CT\.[A-Z0-9]+\.PR\.\d+)\]:\s*([^\n]*)`)
	resourcePath = regexp.MustCompile(`^/Resources/([^/]+)`)
)

// parseReport turns the report into findings: for each non-compliant rule of a file, the
// control id from the rule's message and every resource whose properties its checks
// name.
func parseReport(raw []byte, stackOf map[string]string) ([]Finding, error) {
	var files report
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("cfn-guard report: %w", err)
	}
	seen := map[Finding]bool{}
	for _, file := range files {
		stack, ok := stackOf[file.Name]
		if !ok {
			return nil, fmt.Errorf("cfn-guard reported %s, which was not asked for", file.Name)
		}
		for _, entry := range file.NotCompliant {
			var tree any
			if err := json.Unmarshal(entry, &tree); err != nil {
				return nil, err
			}
			rule, title, resources := ruleOf(tree), "", map[string]bool{}
			walk(tree, func(key string, value string) {
				switch key {
				case "custom_message":
					if m := controlID.FindStringSubmatch(value); m != nil && title == "" {
						rule, title = m[1], strings.TrimSpace(m[2])
					}
				case "path":
					if m := resourcePath.FindStringSubmatch(value); m != nil {
						resources[m[1]] = true
					}
				}
			})
			if len(resources) == 0 {
				resources[""] = true // a template-level finding
			}
			for id := range resources {
				seen[Finding{Rule: rule, Resource: stack + "/" + id, Title: title}] = true
			}
		}
	}
	out := make([]Finding, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Resource < out[j].Resource
	})
	return out, nil
}

// ruleOf is the name of the guard rule an entry reports, the fallback id.
func ruleOf(tree any) string {
	if m, ok := tree.(map[string]any); ok {
		if r, ok := m["Rule"].(map[string]any); ok {
			if name, ok := r["name"].(string); ok {
				return name
			}
		}
	}
	return "unknown-rule"
}

// walk calls f for every string value in tree, with its key.
func walk(tree any, f func(key, value string)) {
	switch v := tree.(type) {
	case map[string]any:
		for key, child := range v {
			if s, ok := child.(string); ok {
				f(key, s)
				continue
			}
			walk(child, f)
		}
	case []any:
		for _, child := range v {
			walk(child, f)
		}
	}
}
