package main

import (
	"regexp"
	"sort"
	"strings"
)

// StackDiff is the `cdk diff` output of one stack with what a reviewer must see first.
type StackDiff struct {
	// Name is the stack's display name, "Production/Data".
	Name string
	// Text is the stack's diff as the CLI printed it, colours removed.
	Text string
	// NoChanges is true when the CLI said "There were no differences".
	NoChanges bool
	// Added, Changed and Destroyed count resource lines by kind ([+], [~], [-]).
	Added, Changed, Destroyed int
	// Risky lists resources that would be destroyed, replaced or orphaned.
	Risky []ResourceChange
	// IAM is true when the diff has IAM statement or policy changes.
	IAM bool
	// SecurityGroups is true when the diff has security-group rule changes.
	SecurityGroups bool
}

// ResourceChange is one line of a diff's Resources section.
type ResourceChange struct {
	// Op is "+", "~" or "-".
	Op string
	// Type is the CloudFormation type.
	Type string
	// LogicalID is the resource's logical id.
	LogicalID string
	// Impact is the CLI's verdict at the end of the line: "destroy", "replace",
	// "may be replaced", "orphan" or "".
	Impact string
}

var (
	ansi        = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	stackHeader = regexp.MustCompile(`^Stack (\S+)`)
	resourceRe  = regexp.MustCompile(`^\[([+~-])\] (\S+) (.+)$`)
)

// impacts are the verdicts the CLI appends to a resource line, longest first.
var impacts = []string{"may be replaced", "replace", "destroy", "orphan"}

// Parse splits `cdk diff` output (one or many stacks, in any order) into stacks and
// summarises each. Text before the first "Stack" header and the CLI's closing
// "Number of stacks with differences" line are dropped.
func Parse(output string) []StackDiff {
	output = ansi.ReplaceAllString(output, "")
	var stacks []StackDiff
	var cur *StackDiff
	var lines []string
	section := ""
	flush := func() {
		if cur == nil {
			return
		}
		cur.Text = strings.TrimRight(strings.Join(lines, "\n"), "\n ")
		stacks = append(stacks, *cur)
	}
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := stackHeader.FindStringSubmatch(line); m != nil {
			flush()
			cur, lines, section = &StackDiff{Name: m[1]}, nil, ""
			continue
		}
		if cur == nil || strings.Contains(line, "Number of stacks with differences") {
			continue
		}
		lines = append(lines, line)
		switch strings.TrimSpace(line) {
		case "There were no differences":
			cur.NoChanges = true
		case "IAM Statement Changes", "IAM Policy Changes":
			cur.IAM = true
		case "Security Group Changes":
			cur.SecurityGroups = true
		case "Resources", "Outputs", "Parameters", "Conditions", "Mappings", "Metadata", "Template", "Other Changes":
			section = strings.TrimSpace(line)
		}
		if section != "Resources" {
			continue
		}
		if rc, ok := parseResource(line); ok {
			switch rc.Op {
			case "+":
				cur.Added++
			case "~":
				cur.Changed++
			case "-":
				cur.Destroyed++
			}
			if rc.Impact != "" {
				cur.Risky = append(cur.Risky, rc)
			}
		}
	}
	flush()
	sort.SliceStable(stacks, func(i, j int) bool { return stacks[i].Name < stacks[j].Name })
	return stacks
}

// parseResource reads "[~] AWS::S3::Bucket Data/Storage/Uploads StorageUploadsBDC5E374 replace".
// The construct path is absent for resources CDK does not know the path of.
func parseResource(line string) (ResourceChange, bool) {
	m := resourceRe.FindStringSubmatch(line)
	if m == nil || !strings.Contains(m[2], "::") {
		return ResourceChange{}, false
	}
	rc := ResourceChange{Op: m[1], Type: m[2]}
	rest := strings.TrimSpace(m[3])
	for _, imp := range impacts {
		if strings.HasSuffix(rest, " "+imp) {
			rc.Impact = imp
			rest = strings.TrimSpace(strings.TrimSuffix(rest, imp))
			break
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return ResourceChange{}, false
	}
	rc.LogicalID = fields[len(fields)-1]
	return rc, true
}

// HasChanges reports whether the stack has any difference.
func (s StackDiff) HasChanges() bool { return !s.NoChanges }
