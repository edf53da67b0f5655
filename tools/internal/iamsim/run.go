package iamsim

import (
	"encoding/json"
	"errors"
	"sync"
)

// Run evaluates sims and returns their results in the same order. Simulations already
// answered are not sent again; the rest are split evenly over the bridge processes,
// which run in parallel.
func (s *Simulator) Run(sims []Simulation) ([]Result, error) {
	keys := make([]string, len(sims))
	var todo []Simulation
	var todoKeys []string
	queued := map[string]bool{}
	s.mu.Lock()
	for i, sim := range sims {
		raw, err := json.Marshal(sim)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		keys[i] = string(raw)
		if _, done := s.cache[keys[i]]; !done && !queued[keys[i]] {
			queued[keys[i]] = true
			todo = append(todo, sim)
			todoKeys = append(todoKeys, keys[i])
		}
	}
	s.mu.Unlock()

	results, err := s.parallel(todo)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Evaluated += len(todo)
	for i, r := range results {
		s.cache[todoKeys[i]] = r
	}
	out := make([]Result, len(sims))
	for i, k := range keys {
		out[i] = s.cache[k]
	}
	return out, nil
}

// parallel deals sims round-robin to the processes (expensive simulations, such as those
// of a principal with ReadOnlyAccess, tend to come together) and evaluates the shares in
// parallel.
func (s *Simulator) parallel(sims []Simulation) ([]Result, error) {
	if len(sims) == 0 {
		return nil, nil
	}
	if len(s.procs) == 0 {
		return nil, errors.New("the simulator is closed")
	}
	n := min(len(s.procs), len(sims))
	out := make([]Result, len(sims))
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		var share []Simulation
		for i := w; i < len(sims); i += n {
			share = append(share, sims[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.procs[w].run(share)
			for j, r := range res {
				out[w+j*n] = r
			}
			errs[w] = err
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
