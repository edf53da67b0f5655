package main

import (
	"fmt"
	"strings"
)

// Marker is the hidden line that identifies the diff comment, so the workflow updates
// its own comment in place instead of adding a new one on every push.
const Marker = "<!-- garcon-cdk-diff -->"

// MaxBody is the most a comment body may hold: GitHub rejects bodies over 65,536
// characters; the rest is headroom.
const MaxBody = 60000

// Input is everything the comment shows.
type Input struct {
	// Stacks are the parsed per-stack diffs.
	Stacks []StackDiff
	// Source says what the templates were compared with, e.g. "the deployed stacks".
	Source string
	// Guard is the stateful-resource guard's report (may be empty).
	Guard string
	// GuardFailed is true when the guard found unacknowledged stateful changes.
	GuardFailed bool
	// Commit is the head commit SHA; RunURL links the workflow run (both optional).
	Commit, RunURL string
	// Removed lists stacks of the base that the head no longer has.
	Removed []string
	// Cost is the monthly cost delta as `costestimate --compare BASE --format markdown
	// HEAD` prints it (may be empty: no cost section).
	Cost string
	// CostError says why the cost delta could not be computed (may be empty).
	CostError string
	// Budgets are the environments' budgets by stage name (ConfigBudgets); the cost section
	// compares each head estimate with its budget (may be nil: no budget line).
	Budgets map[string]Budget
	// Access is the access-matrix comparison as `access -compare BASE -format json HEAD`
	// prints it (may be empty: no access section).
	Access string
	// AccessError says why the access comparison could not be made (may be empty).
	AccessError string
}

// Render builds the comment body: the marker, callouts for replacements, deletions, IAM
// and security-group changes, the stateful guard's report, the cost delta, the access
// changes, a summary table and one collapsible section per stack.
func Render(in Input) string {
	var head strings.Builder
	head.WriteString(Marker + "\n## CDK diff\n\n")
	fmt.Fprintf(&head, "Compared with **%s**", in.Source)
	if in.Commit != "" {
		fmt.Fprintf(&head, " at `%s`", short(in.Commit))
	}
	if in.RunURL != "" {
		fmt.Fprintf(&head, " · [workflow run](%s)", in.RunURL)
	}
	head.WriteString(".\n\n")

	changed, unchanged := split(in.Stacks)
	writeCallouts(&head, in, changed)

	writeGuard(&head, in)

	if strings.TrimSpace(in.Cost) != "" || in.CostError != "" {
		head.WriteString(costSection(in.Cost, in.CostError, costLimit))
		head.WriteString(budgetSection(ParseCost(in.Cost), in.Budgets))
	}

	if strings.TrimSpace(in.Access) != "" || in.AccessError != "" {
		head.WriteString(accessSection(in.Access, in.AccessError, accessLimit))
	}

	if len(changed) > 0 {
		head.WriteString("| stack | added | changed | destroyed | replaced / destroyed | IAM | security groups |\n|---|---|---|---|---|---|---|\n")
		for _, s := range changed {
			fmt.Fprintf(&head, "| `%s` | %d | %d | %d | %s | %s | %s |\n", s.Name, s.Added, s.Changed, s.Destroyed,
				riskyCell(s), yes(s.IAM), yes(s.SecurityGroups))
		}
		head.WriteString("\n")
	} else {
		head.WriteString("No stack has changes.\n\n")
	}
	if len(unchanged) > 0 {
		names := make([]string, len(unchanged))
		for i, s := range unchanged {
			names[i] = "`" + s.Name + "`"
		}
		fmt.Fprintf(&head, "No changes: %s.\n\n", strings.Join(names, ", "))
	}

	body := head.String()
	budget := MaxBody - len(body)
	for i, s := range changed {
		// Share what is left evenly among the remaining sections.
		share := budget / (len(changed) - i)
		section := details(s, share)
		budget -= len(section)
		body += section
	}
	return body
}

// writeGuard writes the stateful guard's report, collapsed unless it failed.
func writeGuard(b *strings.Builder, in Input) {
	if in.Guard == "" {
		return
	}
	verdict := "passed"
	if in.GuardFailed {
		verdict = "<b>found stateful resources that would be replaced or deleted</b>"
	}
	fmt.Fprintf(b, "<details%s><summary>Stateful resource guard %s</summary>\n\n%s\n</details>\n\n",
		openIf(in.GuardFailed), verdict, fenced(strings.TrimSpace(in.Guard)))
}

func writeCallouts(b *strings.Builder, in Input, changed []StackDiff) {
	var risky []string
	for _, s := range changed {
		for _, r := range s.Risky {
			risky = append(risky, fmt.Sprintf("- `%s`: `%s` (%s) — **%s**", s.Name, r.LogicalID, r.Type, r.Impact))
		}
	}
	for _, name := range in.Removed {
		risky = append(risky, fmt.Sprintf("- `%s`: the whole stack is gone from the app (`cdk deploy` leaves it deployed and unmanaged)", name))
	}
	if len(risky) > 0 {
		b.WriteString("> [!CAUTION]\n> **Resources that would be replaced, destroyed or orphaned** — a replacement deletes the old resource and its data.\n>\n")
		for _, r := range risky {
			b.WriteString("> " + r + "\n")
		}
		b.WriteString("\n")
	}
	var iam, sg []string
	for _, s := range changed {
		if s.IAM {
			iam = append(iam, "`"+s.Name+"`")
		}
		if s.SecurityGroups {
			sg = append(sg, "`"+s.Name+"`")
		}
	}
	if len(iam)+len(sg) > 0 {
		b.WriteString("> [!WARNING]\n")
		if len(iam) > 0 {
			b.WriteString("> **IAM changes** in " + strings.Join(iam, ", ") + ": read the IAM tables below.\n")
		}
		if len(sg) > 0 {
			if len(iam) > 0 {
				b.WriteString(">\n")
			}
			b.WriteString("> **Security-group changes** in " + strings.Join(sg, ", ") + ": read the security group tables below.\n")
		}
		b.WriteString("\n")
	}
}

// details renders one stack's collapsible section within limit characters, cutting the
// diff text (at a line boundary) when it is longer.
func details(s StackDiff, limit int) string {
	var tags []string
	if len(s.Risky) > 0 {
		tags = append(tags, fmt.Sprintf("%d replaced/destroyed", len(s.Risky)))
	}
	if s.IAM {
		tags = append(tags, "IAM")
	}
	if s.SecurityGroups {
		tags = append(tags, "security groups")
	}
	summary := fmt.Sprintf("<b>%s</b> — +%d ~%d -%d", s.Name, s.Added, s.Changed, s.Destroyed)
	if len(tags) > 0 {
		summary += " · " + strings.Join(tags, " · ")
	}
	open := fmt.Sprintf("<details><summary>%s</summary>\n\n", summary)
	const closing = "\n</details>\n\n"
	const cut = "… (cut to fit the comment; the full diff is in the workflow run's log)"
	room := limit - len(open) - len(closing) - 16 // fences
	return open + fenced(cutLines(s.Text, room, cut)) + closing
}

// fenced wraps text in a code fence longer than any backtick run inside it.
func fenced(text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + "text\n" + text + "\n" + fence + "\n"
}

func split(stacks []StackDiff) (changed, unchanged []StackDiff) {
	for _, s := range stacks {
		if s.HasChanges() {
			changed = append(changed, s)
		} else {
			unchanged = append(unchanged, s)
		}
	}
	return changed, unchanged
}

func riskyCell(s StackDiff) string {
	if len(s.Risky) == 0 {
		return "—"
	}
	ids := make([]string, len(s.Risky))
	for i, r := range s.Risky {
		ids[i] = "`" + r.LogicalID + "`"
	}
	return "**" + strings.Join(ids, ", ") + "**"
}

func yes(b bool) string {
	if b {
		return "**yes**"
	}
	return "—"
}

func openIf(b bool) string {
	if b {
		return " open"
	}
	return ""
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
