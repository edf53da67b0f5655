// Package health checks the service's dependencies for the ALB target group
// health check (/health).
//
// Results are cached for a short TTL and concurrent callers share one
// in-flight check (singleflight), so however many ALB nodes probe every task,
// the database sees at most one ping per dependency per TTL. Checks run with
// their own timeout, detached from the caller's request, so that an impatient
// prober cannot cancel the check that others are waiting for.
package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Status values of a report and of each check.
const (
	StatusOK          = "ok"          // everything up
	StatusDegraded    = "degraded"    // can serve, an optional dependency is down
	StatusUnavailable = "unavailable" // cannot serve: a critical dependency is down
	StatusUp          = "up"
	StatusDown        = "down"
)

// Defaults: each check must answer within CheckTimeout; results are reused
// for CacheTTL.
const (
	DefaultCheckTimeout = time.Second
	DefaultCacheTTL     = 2 * time.Second
)

// Check is one dependency probe.
type Check struct {
	Name string
	// Critical dependencies make the report unavailable (HTTP 503) when
	// down; the others only degrade it.
	Critical bool
	Probe    func(ctx context.Context) error
}

// Result is the outcome of one check. Error is deliberately coarse
// ("timeout" or "error"): /health is reachable through the public ALB and
// must not reveal host names or driver messages.
type Result struct {
	Status    string  `json:"status"`
	Critical  bool    `json:"critical"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// Report is the body of /health.
type Report struct {
	Status    string            `json:"status"`
	Checks    map[string]Result `json:"checks"`
	CheckedAt time.Time         `json:"checked_at"`
}

// Healthy reports whether the service can serve (HTTP 200).
func (r Report) Healthy() bool { return r.Status != StatusUnavailable }

// Checker runs checks with caching and request coalescing.
type Checker struct {
	checks  []Check
	timeout time.Duration
	ttl     time.Duration
	now     func() time.Time

	group singleflight.Group
	mu    sync.Mutex
	last  Report
	valid bool
}

// NewChecker returns a Checker with the default timeout and TTL.
func NewChecker(checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: DefaultCheckTimeout, ttl: DefaultCacheTTL, now: time.Now}
}

// SetTimings overrides the per-check timeout and the cache TTL.
func (c *Checker) SetTimings(timeout, ttl time.Duration) {
	c.timeout, c.ttl = timeout, ttl
}

// Report returns a cached report if it is fresh, otherwise runs the checks
// (once, whoever else is asking at the same time).
func (c *Checker) Report() Report {
	c.mu.Lock()
	if c.valid && c.now().Sub(c.last.CheckedAt) < c.ttl {
		r := c.last
		c.mu.Unlock()
		return r
	}
	c.mu.Unlock()
	v, _, _ := c.group.Do("health", func() (any, error) {
		r := c.run()
		c.mu.Lock()
		c.last, c.valid = r, true
		c.mu.Unlock()
		return r, nil
	})
	return v.(Report)
}

func (c *Checker) run() Report {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	type indexed struct {
		i   int
		res Result
	}
	// Buffered so that a probe which ignores its context and returns late
	// does not leak a blocked goroutine.
	done := make(chan indexed, len(c.checks))
	for i, ch := range c.checks {
		go func() {
			start := time.Now()
			err := ch.Probe(ctx)
			res := Result{Status: StatusUp, Critical: ch.Critical, LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Status, res.Error = StatusDown, "error"
				if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
					res.Error = "timeout"
				}
			}
			done <- indexed{i, res}
		}()
	}
	results := make([]Result, len(c.checks))
	for i, ch := range c.checks {
		results[i] = Result{Status: StatusDown, Critical: ch.Critical, LatencyMS: float64(c.timeout.Microseconds()) / 1000, Error: "timeout"}
	}
	// Never wait much longer than the timeout, even for a probe that does
	// not honour its context.
	hard := time.NewTimer(c.timeout + 100*time.Millisecond)
	defer hard.Stop()
collect:
	for range c.checks {
		select {
		case r := <-done:
			results[r.i] = r.res
		case <-hard.C:
			break collect
		}
	}

	rep := Report{Status: StatusOK, Checks: make(map[string]Result, len(c.checks)), CheckedAt: c.now().UTC()}
	for i, ch := range c.checks {
		res := results[i]
		rep.Checks[ch.Name] = res
		if res.Status == StatusDown {
			if ch.Critical {
				rep.Status = StatusUnavailable
			} else if rep.Status == StatusOK {
				rep.Status = StatusDegraded
			}
		}
	}
	return rep
}

// Names of the service's dependency checks in the /health body.
const (
	CheckWriter = "postgres_writer"
	CheckReader = "postgres_reader"
	CheckRedis  = "redis"
)

// NewServiceChecker builds the checker of this service. Only the writer is
// critical (503 makes the ALB route elsewhere). A reader or Redis outage
// leaves writes and cached reads working, and failing /health for it would
// make the ALB drain every task at once, turning degradation into an outage.
func NewServiceChecker(writerPing, readerPing, redisPing func(context.Context) error) *Checker {
	return NewChecker(
		Check{Name: CheckWriter, Critical: true, Probe: writerPing},
		Check{Name: CheckReader, Critical: false, Probe: readerPing},
		Check{Name: CheckRedis, Critical: false, Probe: redisPing},
	)
}
