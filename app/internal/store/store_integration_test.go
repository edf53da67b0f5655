package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Integration tests against the real PostgreSQL of .ci/services.sh; each
// test gets its own database.

func TestMigrateConcurrentlyTakesAdvisoryLock(t *testing.T) {
	dbURL := testsupport.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Four "tasks" start at once.
	const tasks = 4
	results := make([]MigrationResult, tasks)
	errs := make([]error, tasks)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < tasks; i++ {
		wg.Go(func() {
			<-start
			results[i], errs[i] = Migrate(ctx, dbURL, 30*time.Second)
		})
	}
	close(start)
	wg.Wait()

	applied := 0
	for i := 0; i < tasks; i++ {
		require.NoError(t, errs[i], "task %d", i)
		assert.Equal(t, uint(1), results[i].Version, "task %d", i)
		if results[i].Applied {
			applied++
		}
	}
	assert.Equal(t, 1, applied, "exactly one task applies the migration, the others find it done")

	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var version int64
	var dirty bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty))
	assert.Equal(t, int64(1), version)
	assert.False(t, dirty)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'menus'`).Scan(&n))
	assert.Equal(t, 1, n)

	// And once more, sequentially: nothing to do.
	res, err := Migrate(ctx, dbURL, time.Second)
	require.NoError(t, err)
	assert.False(t, res.Applied)
}

func TestMigrateWaitsForLockHolder(t *testing.T) {
	dbURL := testsupport.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := Migrate(ctx, dbURL, 10*time.Second)
	require.NoError(t, err)

	// Hold golang-migrate's advisory lock from another session, as a task
	// in the middle of a migration would: Migrate must wait and then give
	// up after its lock timeout instead of running concurrently.
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var dbName string
	require.NoError(t, conn.QueryRow(ctx, `SELECT current_database()`).Scan(&dbName))
	lockID := advisoryLockID(t, dbName)
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockID)
	require.NoError(t, err)

	start := time.Now()
	_, err = Migrate(ctx, dbURL, 500*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "migration lock")
	assert.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond)

	_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lockID)
	require.NoError(t, err)
	_, err = Migrate(ctx, dbURL, 5*time.Second)
	require.NoError(t, err)
}

// advisoryLockID computes golang-migrate's lock key the way it does
// (database.GenerateAdvisoryLockId over database, schema and table).
func advisoryLockID(t *testing.T, dbName string) int64 {
	t.Helper()
	id, err := database.GenerateAdvisoryLockId(dbName, "public", "schema_migrations")
	require.NoError(t, err)
	n, err := strconv.ParseInt(id, 10, 64)
	require.NoError(t, err)
	return n
}

func migratedPool(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	dbURL := testsupport.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Migrate(ctx, dbURL, 10*time.Second)
	require.NoError(t, err)
	cfg, err := NewPoolConfig(dbURL, PoolOptions{MaxConns: 4})
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool, dbURL
}

func TestUpsertAndGetMenu(t *testing.T) {
	pool, _ := migratedPool(t)
	ctx := context.Background()
	id := testsupport.RandomID()

	_, err := GetMenu(ctx, pool, id)
	assert.ErrorIs(t, err, ErrNotFound)

	row, err := UpsertMenu(ctx, pool, id, []byte(`{"currency":"EUR","sections":[]}`))
	require.NoError(t, err)
	assert.Equal(t, int64(1), row.Version)
	assert.JSONEq(t, `{"currency":"EUR","sections":[]}`, string(row.Document))

	row2, err := UpsertMenu(ctx, pool, id, []byte(`{"currency":"USD","sections":[]}`))
	require.NoError(t, err)
	assert.Equal(t, int64(2), row2.Version, "every write bumps the version")
	assert.False(t, row2.UpdatedAt.Before(row.UpdatedAt))

	got, err := GetMenu(ctx, pool, id)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	assert.JSONEq(t, `{"currency":"USD","sections":[]}`, string(got.Document))

	// The schema refuses what the API never sends.
	_, err = UpsertMenu(ctx, pool, -1, []byte(`{}`))
	assert.Error(t, err)
	_, err = UpsertMenu(ctx, pool, id, []byte(`[1]`))
	assert.Error(t, err)
}

func TestReadOnlyWriterIsDetectedAndPoolReset(t *testing.T) {
	_, dbURL := migratedPool(t)
	// A "writer" whose sessions are read-only, as after a failover demoted
	// the instance behind a stale connection.
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	cfg, err := NewPoolConfig(dbURL+sep+"default_transaction_read_only=on", PoolOptions{MaxConns: 2})
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	defer pool.Close()

	_, err = UpsertMenu(context.Background(), pool, testsupport.RandomID(), []byte(`{"currency":"EUR"}`))
	require.Error(t, err)
	assert.True(t, IsReadOnlyError(err), "got %v", err)
	assert.True(t, IsUnavailable(err), "a demoted writer is a retryable 503")
	assert.Equal(t, int32(0), pool.Stat().TotalConns(), "pool was reset so the next request reconnects")
}

func TestIsUnavailable(t *testing.T) {
	assert.False(t, IsUnavailable(nil))
	assert.False(t, IsUnavailable(errors.New("syntax error")))
	assert.True(t, IsUnavailable(context.DeadlineExceeded))

	cfg, err := NewPoolConfig("postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=1", PoolOptions{MaxConns: 1})
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	defer pool.Close()
	_, err = GetMenu(context.Background(), pool, 1)
	require.Error(t, err)
	assert.True(t, IsUnavailable(err), "connection refused is retryable: %v", err)
}
