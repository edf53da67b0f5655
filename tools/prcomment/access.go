package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// AccessReport is the output of `go run ./tools/access -compare BASE -format json HEAD`:
// the rows of the access matrix whose outcome the pull request changes.
type AccessReport struct {
	// Base and Head are the compared assemblies.
	Base string `json:"base"`
	Head string `json:"head"`
	// Changes are the rows newly allowed or newly denied.
	Changes []AccessChange `json:"changes"`
	// Rows counts the head's rows.
	Rows int `json:"rows"`
	// Unmet are the head's rows that do not get what they expect.
	Unmet []AccessChange `json:"unmet"`
}

// AccessChange is one changed (or unmet) row.
type AccessChange struct {
	// Change is "newly allowed" or "newly denied" ("" for an unmet row).
	Change string `json:"change"`
	// Base is the base's outcome ("" for a row the base does not have).
	Base      string `json:"base"`
	Env       string `json:"env"`
	Flow      string `json:"flow"`
	Principal string `json:"principal"`
	Resource  string `json:"resource"`
	Expected  string `json:"expected"`
	Actual    string `json:"actual"`
	Met       bool   `json:"met"`
	Detail    string `json:"detail"`
	Error     string `json:"error"`
}

// ParseAccess decodes the access comparison; ok is false when raw is not one.
func ParseAccess(raw string) (AccessReport, bool) {
	var r AccessReport
	if err := json.Unmarshal([]byte(raw), &r); err != nil || r.Head == "" || r.Rows == 0 {
		return AccessReport{}, false
	}
	return r, true
}

// accessLimit is the most characters the access section may take of MaxBody.
const accessLimit = MaxBody / 6

const accessCut = "… (cut to fit the comment; `make access` and the workflow run's log have every row)"

// accessSection renders "Access changes": a sentence saying how many rows changed, a
// table of the changed rows (unmet ones in bold) and the head's unmet rows, within limit
// characters. With errMsg it says why there is no comparison; output it cannot read
// goes into <details> as is.
func accessSection(raw, errMsg string, limit int) string {
	const title = "### Access changes\n\n"
	if errMsg != "" {
		return title + "Not computed (see the workflow run's log): " + oneLine(errMsg, 500) + "\n\n"
	}
	r, ok := ParseAccess(raw)
	if !ok {
		open := "<details><summary>Access comparison as <code>tools/access</code> printed it (not in the expected format)</summary>\n\n"
		const closing = "\n\n</details>\n\n"
		return title + open + fenced(cutLines(strings.TrimSpace(raw), limit-len(title)-len(open)-len(closing)-20, accessCut)) + closing
	}
	var b strings.Builder
	b.WriteString(title)
	allowed, denied := countChanges(r.Changes)
	if len(r.Changes) == 0 {
		fmt.Fprintf(&b, "No flow of the access matrix changes outcome (%d rows, evaluated by `tools/access` with an IAM policy evaluator).\n\n", r.Rows)
	} else {
		fmt.Fprintf(&b, "Of the access matrix's %d rows (`tools/access`), this pull request makes **%d newly allowed** and **%d newly denied**:\n\n",
			r.Rows, allowed, denied)
		room := limit - b.Len() - 10
		if len(r.Unmet) > 0 {
			room /= 2 // the unmet rows share the section
		}
		b.WriteString(cutLines(accessTable(r.Changes), room, accessCut) + "\n\n")
	}
	if len(r.Unmet) > 0 {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **%d rows of the access matrix are not met** (the CI gate fails):\n\n", len(r.Unmet))
		b.WriteString(cutLines(accessTable(r.Unmet), limit-b.Len()-10, accessCut) + "\n\n")
	}
	return b.String()
}

func countChanges(changes []AccessChange) (allowed, denied int) {
	for _, c := range changes {
		if c.Change == "newly allowed" {
			allowed++
		} else {
			denied++
		}
	}
	return allowed, denied
}

// accessTable is a markdown table of rows; a row whose expectation is not met is bold.
func accessTable(rows []AccessChange) string {
	var b strings.Builder
	b.WriteString("| change | environment | flow | principal | resource | must be | is |\n|---|---|---|---|---|---|---|\n")
	for _, c := range rows {
		change, is := c.Change, c.Actual
		if change == "" {
			change = "—"
		}
		if !c.Met {
			is = "**" + is + "** ✗"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | `%s` | %s | %s |\n", change, c.Env, cell(c.Flow), cell(c.Principal), cell(c.Resource), c.Expected, is)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// cell makes s safe in a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
