package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// RowJSON is one row of `-format json`: the typed contract of the matrix.
type RowJSON struct {
	Env       string   `json:"env"`
	Flow      string   `json:"flow"`
	Why       string   `json:"why"`
	Principal string   `json:"principal"`
	Resource  string   `json:"resource"`
	Expected  Outcome  `json:"expected"`
	Actual    Outcome  `json:"actual"`
	Met       bool     `json:"met"`
	Via       []string `json:"via,omitempty"`
	Requests  []string `json:"requests,omitempty"`
	// Detail is why the row got its outcome: the decisive statements or the refusal.
	Detail string `json:"detail,omitempty"`
	// Error says why the row could not be evaluated.
	Error string `json:"error,omitempty"`
}

// MatrixJSON is the output of `-format json`.
type MatrixJSON struct {
	Assembly string           `json:"assembly"`
	Rows     []RowJSON        `json:"rows"`
	Summary  map[string]Count `json:"summary"`
}

// Count sums the rows of one environment.
type Count struct {
	Rows int `json:"rows"`
	Met  int `json:"met"`
}

// JSON returns the row in its JSON form.
func (r *Row) JSON() RowJSON {
	out := RowJSON{Env: r.Env, Flow: r.Flow.Name, Why: r.Flow.Why, Principal: r.principalName(), Resource: r.resourceName(),
		Expected: r.Flow.Expect, Actual: r.Actual, Met: r.Met(), Detail: r.Detail}
	for _, p := range r.Via {
		out.Via = append(out.Via, p.Name)
	}
	for _, q := range r.Requests {
		out.Requests = append(out.Requests, q.Label())
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return out
}

// Summarize counts rows and met rows per environment.
func Summarize(rows []*Row) map[string]Count {
	out := map[string]Count{}
	for _, r := range rows {
		c := out[r.Env]
		c.Rows++
		if r.Met() {
			c.Met++
		}
		out[r.Env] = c
	}
	return out
}

// writeJSON writes the matrix as MatrixJSON.
func writeJSON(w io.Writer, dir string, rows []*Row) error {
	out := MatrixJSON{Assembly: dir, Summary: Summarize(rows)}
	for _, r := range rows {
		out.Rows = append(out.Rows, r.JSON())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeText writes the matrix for people: per environment, per flow its expectation and
// why, then one line per principal and resource; a row not met says why.
func writeText(w io.Writer, dir string, rows []*Row) {
	fmt.Fprintf(w, "Access matrix of %s (evaluated by @cloud-copilot/iam-simulate)\n", dir)
	sum := Summarize(rows)
	var env string
	var flow *Flow
	for _, r := range rows {
		if r.Env != env {
			env, flow = r.Env, nil
			fmt.Fprintf(w, "\n== %s: %d rows, %d met\n", env, sum[env].Rows, sum[env].Met)
		}
		if r.Flow != flow {
			flow = r.Flow
			fmt.Fprintf(w, "\n%s — must be %s\n  why: %s\n", flow.Name, flow.Expect, flow.Why)
		}
		writeTextRow(w, r)
	}
	unmet := 0
	for _, c := range sum {
		unmet += c.Rows - c.Met
	}
	fmt.Fprintf(w, "\n%d rows, %d not met\n", len(rows), unmet)
}

func writeTextRow(w io.Writer, r *Row) {
	mark := "ok  "
	if !r.Met() {
		mark = "FAIL"
	}
	fmt.Fprintf(w, "  %s %-8s %s → %s", mark, r.Actual, r.principalName(), r.resourceName())
	if len(r.Via) > 0 {
		names := make([]string, len(r.Via))
		for i, p := range r.Via {
			names[i] = p.Name
		}
		fmt.Fprintf(w, " (assuming %s)", strings.Join(names, " → "))
	}
	fmt.Fprintln(w)
	switch {
	case r.Err != nil:
		fmt.Fprintf(w, "         error: %s\n", r.Err)
	case !r.Met():
		fmt.Fprintf(w, "         expected %s: %s\n", r.Flow.Expect, r.Detail)
	}
}
