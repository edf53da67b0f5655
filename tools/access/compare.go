package main

import (
	"encoding/json"
	"fmt"
	"io"
)

// The kinds of change -compare reports.
const (
	NewlyAllowed = "newly allowed"
	NewlyDenied  = "newly denied"
)

// Change is a row whose outcome differs from the base assembly's: a row both have with
// another outcome, or a new row that is allowed (a new resource someone may now reach).
type Change struct {
	// Change is NewlyAllowed or NewlyDenied.
	Change string `json:"change"`
	// Base is the base assembly's outcome ("" for a row the base does not have).
	Base Outcome `json:"base"`
	RowJSON
}

// CompareJSON is the output of `-compare BASE -format json`: the pull-request comment's
// input (tools/prcomment -access).
type CompareJSON struct {
	Base    string    `json:"base"`
	Head    string    `json:"head"`
	Changes []Change  `json:"changes"`
	Rows    int       `json:"rows"`
	Unmet   []RowJSON `json:"unmet"`
}

// Compare returns the changes from base to head, in head's order.
func Compare(base, head []*Row) []Change {
	before := map[string]*Row{}
	for _, r := range base {
		before[r.Key()] = r
	}
	var out []Change
	for _, r := range head {
		b := before[r.Key()]
		var was Outcome
		if b != nil {
			was = b.Actual
		}
		switch {
		case r.Actual == Allowed && was != Allowed:
			out = append(out, Change{Change: NewlyAllowed, Base: was, RowJSON: r.JSON()})
		case r.Actual == Denied && was == Allowed:
			out = append(out, Change{Change: NewlyDenied, Base: was, RowJSON: r.JSON()})
		}
	}
	return out
}

// runCompare evaluates the base assembly with the same evaluator and prints the changes.
func runCompare(sim Runner, root, baseDir, headDir string, head []*Row, format string, stdout, stderr io.Writer) int {
	base, err := Matrix(sim, root, baseDir)
	if err != nil {
		fmt.Fprintf(stderr, "access: base %s: %v\n", baseDir, err)
		return 2
	}
	out := CompareJSON{Base: baseDir, Head: headDir, Changes: Compare(base, head), Rows: len(head)}
	for _, r := range head {
		if !r.Met() {
			out.Unmet = append(out.Unmet, r.JSON())
		}
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(out)
	} else {
		writeCompareText(stdout, out)
	}
	return exitStatus(err, head, stderr)
}

func writeCompareText(w io.Writer, c CompareJSON) {
	fmt.Fprintf(w, "Access changes %s → %s: %d of %d rows\n", c.Base, c.Head, len(c.Changes), c.Rows)
	for _, ch := range c.Changes {
		was := ch.Base
		if was == "" {
			was = "(new row)"
		}
		mark := ""
		if !ch.Met {
			mark = "  NOT MET: must be " + string(ch.Expected)
		}
		fmt.Fprintf(w, "  %-13s %s: %s: %s → %s (was %s)%s\n", ch.Change, ch.Env, ch.Flow, ch.Principal, ch.Resource, was, mark)
	}
	if len(c.Unmet) > 0 {
		fmt.Fprintf(w, "%d rows of the head are not met (make access shows them)\n", len(c.Unmet))
	}
}
