package main

import (
	"fmt"

	"github.com/garcon/infrastructure/tools/internal/iamsim"
)

// reacher finds the roles a principal can assume, directly or through roles it assumed
// (role chaining), up to maxChain hops. Each hop is one batch of sts:AssumeRole requests
// of every frontier principal on every role of the model: the principal's identity
// policies and the role's trust policy decide, as the evaluator says.
type reacher struct {
	m     *Model
	r     Runner
	edges map[*Principal][]*Principal // roles each explored principal may assume
}

func newReacher(m *Model, r Runner) *reacher {
	return &reacher{m: m, r: r, edges: map[*Principal][]*Principal{}}
}

// explore computes the edges of every principal reachable from starts.
func (c *reacher) explore(starts []*Principal) error {
	frontier := c.unexplored(starts)
	for hop := 0; hop < maxChain && len(frontier) > 0; hop++ {
		batches := c.assumeBatches(frontier)
		var sims []iamsim.Simulation
		for _, b := range batches {
			sims = append(sims, b.sims...)
		}
		results, err := c.r.Run(sims)
		if err != nil {
			return err
		}
		var next []*Principal
		for _, b := range batches {
			for i, res := range results[:len(b.sims)] {
				if res.Error != "" {
					return fmt.Errorf("sts:AssumeRole of %s by %s: %s", b.roles[i].Name, b.from.Name, res.Why())
				}
				if res.Allowed() {
					c.edges[b.from] = append(c.edges[b.from], b.roles[i])
					next = append(next, b.roles[i])
				}
			}
			results = results[len(b.sims):]
		}
		frontier = c.unexplored(next)
	}
	return nil
}

// unexplored returns the principals of ps whose edges are not known yet, once each, and
// marks them explored.
func (c *reacher) unexplored(ps []*Principal) []*Principal {
	var out []*Principal
	for _, p := range ps {
		if _, done := c.edges[p]; !done && p.Err == nil {
			c.edges[p] = nil
			out = append(out, p)
		}
	}
	return out
}

type assumeBatch struct {
	from  *Principal
	roles []*Principal
	sims  []iamsim.Simulation
}

// assumeBatches are the sts:AssumeRole requests of each principal on every other role.
func (c *reacher) assumeBatches(from []*Principal) []assumeBatch {
	out := make([]assumeBatch, 0, len(from))
	for _, p := range from {
		b := assumeBatch{from: p}
		for _, role := range c.m.Roles {
			if role == p || role.Err != nil {
				continue
			}
			q := Request{Action: "sts:AssumeRole", ARN: role.ARN, Account: role.Account, Policy: role.Trust}
			b.roles = append(b.roles, role)
			b.sims = append(b.sims, q.simulation(p))
		}
		out = append(out, b)
	}
	return out
}

// paths returns every chain of roles reachable from p (p excluded), shortest first, each
// role once, each path from the first role assumed.
func (c *reacher) paths(p *Principal) [][]*Principal {
	seen := map[*Principal]bool{p: true}
	var out [][]*Principal
	level := [][]*Principal{{}}
	for hop := 0; hop < maxChain; hop++ {
		var next [][]*Principal
		for _, path := range level {
			from := p
			if len(path) > 0 {
				from = path[len(path)-1]
			}
			for _, role := range c.edges[from] {
				if !seen[role] {
					seen[role] = true
					np := append(append([]*Principal{}, path...), role)
					next = append(next, np)
					out = append(out, np)
				}
			}
		}
		level = next
	}
	return out
}
