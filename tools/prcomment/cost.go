package main

import (
	"fmt"
	"regexp"
	"strings"
)

// CostEnv is one environment of the monthly cost delta.
type CostEnv struct {
	// Name is the environment (CDK stage), e.g. "Production".
	Name string
	// Base, Head and Delta are the amounts as tools/costestimate prints them: "$1501.42",
	// "+$33.16", "−$12.00" or "$0.00".
	Base, Head, Delta string
	// Changes holds the per-resource rows (markdown table lines, header included); nil
	// when no priced resource changed.
	Changes []string
}

// Changed counts the per-resource rows, without the table's header and separator.
func (e CostEnv) Changed() int { return max(0, len(e.Changes)-2) }

// noDelta is how tools/costestimate prints a zero delta.
const noDelta = "$0.00"

// costHeading is the heading tools/costestimate writes per environment with
// `--compare --format markdown`: "## Staging: $193.37 → $248.59 (+$55.22 per month)".
var costHeading = regexp.MustCompile(`^## (.+): (\S+) → (\S+) \((\S+) per month\)$`)

// ParseCost reads the markdown of `costestimate --compare BASE --format markdown HEAD`:
// per environment its totals from the heading and the table of changed resources. It
// returns nil when md has no environment heading (not that command's output).
func ParseCost(md string) []CostEnv {
	var envs []CostEnv
	var cur *CostEnv
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimRight(line, "\r ")
		if m := costHeading.FindStringSubmatch(line); m != nil {
			envs = append(envs, CostEnv{Name: m[1], Base: m[2], Head: m[3], Delta: m[4]})
			cur = &envs[len(envs)-1]
			continue
		}
		if strings.HasPrefix(line, "#") {
			cur = nil
			continue
		}
		if cur != nil && strings.HasPrefix(line, "|") {
			cur.Changes = append(cur.Changes, line)
		}
	}
	return envs
}

// costCut ends per-resource lines cut to fit the comment.
const costCut = "… (cut to fit the comment; the full cost delta is in the workflow run's log)"

// costLimit is the most characters the cost section may take of MaxBody; the per-stack
// diffs share the rest.
const costLimit = MaxBody / 5

// costSection renders the "Cost delta" section within limit characters: a table of the
// totals per environment, then the per-resource changes in a collapsed <details>. With
// errMsg it says why there is no delta; output it cannot read goes into <details> as is.
func costSection(md, errMsg string, limit int) string {
	const title = "### Cost delta\n\n"
	if errMsg != "" {
		return title + "Not computed (see the workflow run's log): " + oneLine(errMsg, 500) + "\n\n"
	}
	envs := ParseCost(md)
	if len(envs) == 0 {
		open := "<details><summary>Cost delta as <code>tools/costestimate</code> printed it (not in the expected format)</summary>\n\n"
		const closing = "\n\n</details>\n\n"
		return title + open + cutLines(strings.TrimSpace(md), limit-len(title)-len(open)-len(closing), "\n"+costCut) + closing
	}

	var b strings.Builder
	b.WriteString(title)
	b.WriteString("Estimated monthly cost of the base branch's templates → this pull request's (`tools/costestimate`: " +
		"on-demand list prices, usage assumptions from config):\n\n")
	b.WriteString("| environment | base | head | delta |\n|---|---|---|---|\n")
	var changed []string
	for _, e := range envs {
		delta := e.Delta
		if delta != noDelta {
			delta = "**" + delta + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", e.Name, e.Base, e.Head, delta)
		if n := e.Changed(); n > 0 {
			changed = append(changed, fmt.Sprintf("%d in %s", n, e.Name))
		}
	}
	b.WriteString("\n")
	if len(changed) == 0 {
		b.WriteString("No priced resource changed.\n\n")
		return b.String()
	}

	var rows strings.Builder
	for _, e := range envs {
		if e.Changed() == 0 {
			continue
		}
		fmt.Fprintf(&rows, "**%s**\n\n%s\n\n", e.Name, strings.Join(e.Changes, "\n"))
	}
	open := "<details><summary>Per-resource cost changes: " + strings.Join(changed, ", ") + "</summary>\n\n"
	const closing = "\n\n</details>\n\n" // a blank line ends the last table
	room := limit - b.Len() - len(open) - len(closing)
	b.WriteString(open + cutLines(strings.TrimSpace(rows.String()), room, "\n"+costCut) + closing)
	return b.String()
}

// cutLines returns text when it fits in room characters; otherwise as many whole lines as
// fit together with note, on a line of its own (room is at least 200).
func cutLines(text string, room int, note string) string {
	room = max(room, 200)
	if len(text) <= room {
		return text
	}
	text = text[:max(0, room-len(note)-1)]
	if i := strings.LastIndex(text, "\n"); i > 0 {
		text = text[:i]
	}
	return text + "\n" + note
}

// oneLine joins the lines of s with spaces and cuts it to about limit bytes.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + " …"
	}
	return s
}
