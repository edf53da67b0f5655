package main

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// Exception accepts the findings of one rule on the resources matching one pattern.
type Exception struct {
	// Rule is the control id, e.g. "CT.S3.PR.9".
	Rule string
	// Resource is a path.Match pattern over "<stack name>/<logical id>", e.g.
	// "*-Data/StorageLogs*".
	Resource string
	// Reason is why the finding is accepted: one sentence that must stay true.
	Reason string
	// Line is the line of the exceptions file, for messages.
	Line int
}

// parseExceptions reads the exceptions file: one exception per line,
// "<rule id> <resource pattern> <reason…>", separated by white space; blank lines and
// lines starting with "#" are ignored. Every malformed line is reported at once.
func parseExceptions(r io.Reader, name string) ([]Exception, error) {
	var out []Exception
	var problems []string
	scanner := bufio.NewScanner(r)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			problems = append(problems, fmt.Sprintf("%s:%d: want \"<rule id> <stack>/<logical id pattern> <reason>\", got %q", name, n, line))
			continue
		}
		e := Exception{Rule: fields[0], Resource: fields[1], Reason: strings.Join(fields[2:], " "), Line: n}
		if !strings.HasPrefix(e.Rule, "CT.") {
			problems = append(problems, fmt.Sprintf("%s:%d: rule %q is not a Control Tower control id (CT.<SERVICE>.PR.<n>)", name, n, e.Rule))
		}
		if _, err := path.Match(e.Resource, ""); err != nil || !strings.Contains(e.Resource, "/") {
			problems = append(problems, fmt.Sprintf("%s:%d: resource %q is not a <stack>/<logical id> pattern", name, n, e.Resource))
		}
		if len(strings.Fields(e.Reason)) < 4 {
			problems = append(problems, fmt.Sprintf("%s:%d: the reason %q is too short to say why", name, n, e.Reason))
		}
		out = append(out, e)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d malformed exception(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return out, nil
}

// apply splits findings into those no exception accepts and returns the exceptions that
// accepted nothing (stale: the resource changed or is gone, so the line must go).
func apply(findings []Finding, exceptions []Exception) (open []Finding, accepted map[Finding]Exception, stale []Exception) {
	used := make([]bool, len(exceptions))
	accepted = map[Finding]Exception{}
	for _, f := range findings {
		matched := false
		for i, e := range exceptions {
			if ok, _ := path.Match(e.Resource, f.Resource); ok && e.Rule == f.Rule {
				used[i], matched = true, true
				accepted[f] = e
				break
			}
		}
		if !matched {
			open = append(open, f)
		}
	}
	for i, e := range exceptions {
		if !used[i] {
			stale = append(stale, e)
		}
	}
	return open, accepted, stale
}
