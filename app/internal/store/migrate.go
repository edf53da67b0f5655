package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/garcon/infrastructure/app/migrations"
)

// MigrationResult tells what Migrate did.
type MigrationResult struct {
	Version uint // schema version after the run
	Applied bool // false when the schema was already current
}

// MigrateOption adjusts Migrate.
type MigrateOption func(*migrateOptions)

type migrateOptions struct {
	appRole string
}

// WithAppRole makes Migrate run EnsureAppRole for role after the schema
// migrations (DB_APP_USER).
func WithAppRole(role string) MigrateOption {
	return func(o *migrateOptions) { o.appRole = role }
}

// Migrate applies every embedded migration that the database at connString
// (the writer, as the master user) does not have yet, then, with
// WithAppRole, creates and grants the application role.
//
// golang-migrate holds a PostgreSQL advisory lock (pg_advisory_lock, keyed on
// database, schema and migrations table) for the whole run, so several tasks
// starting at once apply each migration exactly once: the others wait for the
// lock and then find nothing left to do. The lock wait is bounded by lockWait.
func Migrate(ctx context.Context, connString string, lockWait time.Duration, opts ...MigrateOption) (MigrationResult, error) {
	var o migrateOptions
	for _, opt := range opts {
		opt(&o)
	}
	connCfg, err := pgx.ParseConfig(connString)
	if err != nil {
		// pgx masks the password in its message (pinned by a test).
		return MigrationResult{}, fmt.Errorf("migrate: invalid PostgreSQL connection settings: %w", err)
	}
	setMinTLS(connCfg.TLSConfig)
	// golang-migrate takes its advisory lock with a plain, unbounded
	// pg_advisory_lock (already inside WithInstance, before its own
	// LockTimeout applies). lock_timeout bounds that wait — and any DDL
	// waiting for a table lock — on the server side.
	if lockWait > 0 {
		connCfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(lockWait.Milliseconds(), 10)
	}
	db := stdlib.OpenDB(*connCfg)
	defer func() { _ = db.Close() }()
	// One connection holds the advisory lock; one more runs the migration
	// statements.
	db.SetMaxOpenConns(2)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		return MigrationResult{}, fmt.Errorf("migrate: connect to writer: %w", err)
	}
	return migrateDB(ctx, db, lockWait, o)
}

func migrateDB(ctx context.Context, db *sql.DB, lockWait time.Duration, o migrateOptions) (MigrationResult, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return MigrationResult{}, fmt.Errorf("migrate: embedded migrations: %w", err)
	}
	driver, err := pgxmigrate.WithInstance(db, &pgxmigrate.Config{
		// Guard against a migration that blocks on a table lock forever.
		StatementTimeout: 5 * time.Minute,
	})
	if err != nil {
		return MigrationResult{}, lockError(fmt.Errorf("migrate: driver: %w", err), lockWait)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("migrate: %w", err)
	}
	defer func() { _, _ = m.Close() }()
	m.LockTimeout = lockWait
	// Stop between migrations when the caller gives up (e.g. SIGTERM).
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case m.GracefulStop <- true:
			default:
			}
		case <-stop:
		}
	}()

	// No version check before Up: another task may be half-way through a
	// migration (the schema is marked dirty meanwhile). Up reads the version
	// only once it holds the advisory lock.
	var res MigrationResult
	err = m.Up()
	switch {
	case errors.Is(err, migrate.ErrNoChange):
	case err != nil:
		return res, lockError(fmt.Errorf("migrate: up: %w", err), lockWait)
	default:
		res.Applied = true
	}
	to, _, err := m.Version()
	if err != nil {
		return res, fmt.Errorf("migrate: read version: %w", err)
	}
	res.Version = to
	if o.appRole != "" {
		if err := EnsureAppRole(ctx, db, o.appRole); err != nil {
			return res, fmt.Errorf("migrate: %w", err)
		}
	}
	return res, nil
}

// lockError turns a lock wait that timed out (golang-migrate's own timeout,
// or PostgreSQL's lock_timeout, SQLSTATE 55P03, which golang-migrate wraps
// without Unwrap) into a clear message.
func lockError(err error, lockWait time.Duration) error {
	if errors.Is(err, migrate.ErrLockTimeout) || strings.Contains(err.Error(), "SQLSTATE 55P03") {
		return fmt.Errorf("migrate: another task held the migration lock (or a table lock) for more than %s: %w", lockWait, err)
	}
	return err
}
