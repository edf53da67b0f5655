package health

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These unit tests use plain probe functions to pin down the aggregation,
// caching and coalescing rules; the integration tests in httpapi run the
// same checker against real PostgreSQL and Redis.

func ok(context.Context) error   { return nil }
func fail(context.Context) error { return errors.New("connection refused to db.internal:5432") }
func hang(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestStatusAggregation(t *testing.T) {
	cases := []struct {
		name                  string
		writer, reader, redis func(context.Context) error
		want                  string
	}{
		{"all up", ok, ok, ok, StatusOK},
		{"reader down", ok, fail, ok, StatusDegraded},
		{"redis down", ok, ok, fail, StatusDegraded},
		{"writer down", fail, ok, ok, StatusUnavailable},
		{"everything down", fail, fail, fail, StatusUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewChecker(
				Check{Name: "postgres_writer", Critical: true, Probe: tc.writer},
				Check{Name: "postgres_reader", Probe: tc.reader},
				Check{Name: "redis", Probe: tc.redis},
			)
			r := c.Report()
			assert.Equal(t, tc.want, r.Status)
			assert.Equal(t, tc.want != StatusUnavailable, r.Healthy())
			for _, res := range r.Checks {
				assert.NotContains(t, res.Error, "db.internal", "no internal details in /health")
			}
		})
	}
}

func TestHangingProbeTimesOut(t *testing.T) {
	c := NewChecker(Check{Name: "postgres_writer", Critical: true, Probe: hang}, Check{Name: "redis", Probe: ok})
	c.SetTimings(100*time.Millisecond, time.Second)
	start := time.Now()
	r := c.Report()
	assert.Less(t, time.Since(start), 400*time.Millisecond)
	assert.Equal(t, StatusUnavailable, r.Status)
	assert.Equal(t, "timeout", r.Checks["postgres_writer"].Error)
	assert.Equal(t, StatusUp, r.Checks["redis"].Status)
}

func TestProbeIgnoringContextCannotBlockReport(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stubborn := func(context.Context) error { <-release; return nil }
	c := NewChecker(Check{Name: "postgres_writer", Critical: true, Probe: stubborn})
	c.SetTimings(50*time.Millisecond, time.Second)
	start := time.Now()
	r := c.Report()
	assert.Less(t, time.Since(start), 500*time.Millisecond)
	assert.Equal(t, "timeout", r.Checks["postgres_writer"].Error)
}

func TestCachedAndCoalesced(t *testing.T) {
	var calls atomic.Int32
	slow := func(context.Context) error {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return nil
	}
	c := NewChecker(Check{Name: "postgres_writer", Critical: true, Probe: slow})
	c.SetTimings(time.Second, 200*time.Millisecond)

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Go(func() { assert.Equal(t, StatusOK, c.Report().Status) })
	}
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load(), "50 concurrent probes must share one check")

	c.Report()
	assert.Equal(t, int32(1), calls.Load(), "fresh result reused within the TTL")

	time.Sleep(250 * time.Millisecond)
	c.Report()
	require.Equal(t, int32(2), calls.Load(), "stale result refreshed after the TTL")
}
