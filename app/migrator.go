package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/garcon/infrastructure/app/internal/store"
)

// Retry schedule of the start-up migrations: capped exponential backoff
// with jitter, so that the tasks of a service started during a writer
// failover do not retry in lock-step, and a long outage costs one attempt
// (and one log line) per task every migrateBackoffMax at most.
const (
	migrateBackoffBase = 500 * time.Millisecond
	migrateBackoffMax  = 30 * time.Second
)

// migrator applies the schema migrations in the background until they
// succeed, so that a task starts (and answers /livez) while the writer is
// unreachable. Only one task at a time migrates: store.Migrate holds
// golang-migrate's advisory lock.
type migrator struct {
	logger  *slog.Logger
	migrate func(context.Context) (store.MigrationResult, error)
	base    time.Duration
	max     time.Duration

	ready atomic.Bool
	done  chan struct{}
}

func newMigrator(logger *slog.Logger, migrate func(context.Context) (store.MigrationResult, error)) *migrator {
	return &migrator{logger: logger, migrate: migrate, base: migrateBackoffBase, max: migrateBackoffMax, done: make(chan struct{})}
}

// Ready reports whether the migrations have run (httpapi.Deps.Ready).
func (m *migrator) Ready() bool { return m.ready.Load() }

// Run migrates until success or until ctx is cancelled (SIGTERM). Each
// failed attempt is logged once, with the attempt number and the delay
// before the next one.
func (m *migrator) Run(ctx context.Context) {
	defer close(m.done)
	start := time.Now()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, migrateTimeout)
		res, err := m.migrate(actx)
		cancel()
		if err == nil {
			m.ready.Store(true)
			m.logger.Info("schema is current", slog.Uint64("version", uint64(res.Version)),
				slog.Bool("applied", res.Applied), slog.Int("attempt", attempt),
				slog.Duration("waited", time.Since(start).Round(time.Millisecond)))
			return
		}
		if ctx.Err() != nil {
			m.logger.Info("schema migration stopped: shutting down", slog.Int("attempt", attempt))
			return
		}
		delay := m.delay(attempt)
		m.logger.Error("schema migration failed, retrying", slog.Int("attempt", attempt),
			slog.Duration("retry_in", delay.Round(time.Millisecond)), slog.String("error", err.Error()))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			m.logger.Info("schema migration stopped: shutting down", slog.Int("attempt", attempt))
			return
		case <-t.C:
		}
	}
}

// delay is "equal jitter": half of the capped exponential step plus a random
// part of the other half, so that every task waits at least a little.
func (m *migrator) delay(attempt int) time.Duration {
	d := m.max
	if attempt < 32 {
		if step := m.base << (attempt - 1); step > 0 && step < m.max {
			d = step
		}
	}
	half := d / 2
	return half + rand.N(half+1) //nolint:gosec // jitter, not a secret
}

// Wait waits up to limit for Run to return.
func (m *migrator) Wait(limit time.Duration) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-m.done:
	case <-t.C:
	}
}
