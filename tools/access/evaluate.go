package main

import (
	"fmt"
	"strings"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// maxChain bounds role chaining: a principal, then up to maxChain roles assumed in turn.
const maxChain = 3

// Runner evaluates simulations in order (an *iamsim.Simulator; tests may wrap one).
type Runner interface {
	Run(sims []iamsim.Simulation) ([]iamsim.Result, error)
}

// Expand turns the flows into the rows of every environment of their scope in the model.
func Expand(m *Model, flows []Flow) ([]*Row, error) {
	var rows []*Row
	for _, env := range m.Assembly.Environments() {
		v, err := m.NewView(env)
		if err != nil {
			return nil, err
		}
		for i := range flows {
			if flows[i].inScope(env) {
				rows = append(rows, flows[i].expand(v)...)
			}
		}
	}
	return rows, nil
}

// inScope reports whether the flow applies to environment env.
func (f *Flow) inScope(env string) bool {
	if f.Scope == DNSZone {
		return env == config.DNSZoneStageName
	}
	return env != config.DNSZoneStageName
}

// candidate is a principal a row is evaluated for: the row's own, or a role reached from
// it by sts:AssumeRole (via, from the first role assumed).
type candidate struct {
	p    *Principal
	via  []*Principal
	reqs []Request
}

// Evaluate decides every row with r: it finds the roles chained rows can reach, then
// sends every request of every row in one batch. Rows that already have an error are
// left as they are (Actual Invalid).
func Evaluate(m *Model, rows []*Row, r Runner) error {
	reach := newReacher(m, r)
	var starts []*Principal
	for _, row := range rows {
		if row.Err == nil && row.Flow.Chain {
			starts = append(starts, row.Principal)
		}
	}
	if err := reach.explore(starts); err != nil {
		return err
	}
	cands := make([][]candidate, len(rows))
	var sims []iamsim.Simulation
	for i, row := range rows {
		if row.Err != nil {
			continue
		}
		cands[i] = row.candidates(m, reach)
		for _, c := range cands[i] {
			for _, q := range c.reqs {
				sims = append(sims, q.simulation(c.p))
			}
		}
	}
	results, err := r.Run(sims)
	if err != nil {
		return err
	}
	for i, row := range rows {
		if row.Err == nil {
			results = row.decide(cands[i], results)
		}
		if row.Err != nil {
			row.Actual = Invalid
		}
	}
	return nil
}

// candidates are the row's principal and, for a chained flow, every role it reaches,
// each with the requests the flow makes as that principal.
func (r *Row) candidates(m *Model, reach *reacher) []candidate {
	out := []candidate{{p: r.Principal, reqs: r.Requests}}
	if !r.Flow.Chain {
		return out
	}
	v, err := m.NewView(r.Env)
	if err != nil {
		r.Err = err
		return nil
	}
	for _, path := range reach.paths(r.Principal) {
		role := path[len(path)-1]
		reqs, err := r.Flow.How.Of(v, role, r.Resource)
		if err != nil {
			r.Err = fmt.Errorf("as %s (assumed): %w", role.Name, err)
			return nil
		}
		out = append(out, candidate{p: role, via: path, reqs: reqs})
	}
	return out
}

// decide sets the row's verdict from the results of its candidates' requests, which lead
// results, and returns the results left.
func (r *Row) decide(cands []candidate, results []iamsim.Result) []iamsim.Result {
	var first []iamsim.Result
	for ci, c := range cands {
		res := results[:len(c.reqs)]
		results = results[len(c.reqs):]
		if ci == 0 {
			first = res
		}
		for qi, x := range res {
			if x.Error != "" {
				r.Err = fmt.Errorf("%s as %s: %s", c.reqs[qi].Label(), c.p.Name, x.Why())
			}
		}
		if r.Err == nil && r.Actual != Allowed && allAllowed(res) {
			r.Actual, r.Via, r.Detail = Allowed, c.via, grants(c, res)
		}
	}
	if r.Err == nil && r.Actual != Allowed {
		r.Actual, r.Detail = Denied, denial(cands[0], first)
	}
	return results
}

func allAllowed(res []iamsim.Result) bool {
	for _, x := range res {
		if !x.Allowed() {
			return false
		}
	}
	return len(res) > 0
}

// grants explains an allowed row: each request and the statements that allowed it.
func grants(c candidate, res []iamsim.Result) string {
	parts := make([]string, len(res))
	for i, x := range res {
		parts[i] = c.reqs[i].Label() + ": " + x.Why()
	}
	return strings.Join(parts, " | ")
}

// denial explains a denied row: the first request the principal itself was refused.
func denial(c candidate, res []iamsim.Result) string {
	for i, x := range res {
		if !x.Allowed() {
			return c.reqs[i].Label() + ": " + string(x.Decision) + " (" + x.Why() + ")"
		}
	}
	return "every request is allowed to the principal itself, but not to a role it reaches"
}
