package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

func newAppRoleName(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("garcon_app_%x", testsupport.RandomID()&0xffffffff)
	testsupport.DropRoleAtCleanup(t, name) // before the database: dropped after it
	return name
}

func connectAs(t *testing.T, base, user, password string) *pgx.Conn {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.User = url.UserPassword(user, password)
	conn, err := pgx.Connect(context.Background(), u.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// The migrations (as the master) create the API's role and grant it DML
// only: it can serve, it cannot change the schema or the migration state,
// and tables added by later migrations are covered by default privileges.
func TestMigrateCreatesAppRoleWithDMLOnly(t *testing.T) {
	app := newAppRoleName(t)
	m := testsupport.NewMasterDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Several tasks start at once: one creates the role, all succeed.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { _, errs[i] = Migrate(ctx, m.MasterURL, 30*time.Second, WithAppRole(app)) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "task %d", i)
	}
	// And again: idempotent.
	_, err := Migrate(ctx, m.MasterURL, 10*time.Second, WithAppRole(app))
	require.NoError(t, err)

	master := connectAs(t, m.MasterURL, m.Master, m.Password)
	var canLogin, super, createRole, createDB bool
	require.NoError(t, master.QueryRow(ctx, `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`, app).
		Scan(&canLogin, &super, &createRole, &createDB))
	assert.True(t, canLogin)
	assert.False(t, super || createRole || createDB, "no administrative attribute")
	var owned int
	require.NoError(t, master.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tableowner = $1`, app).Scan(&owned))
	assert.Zero(t, owned, "the app role owns no table")

	// A later migration adds a table (as the master): default privileges.
	_, err = master.Exec(ctx, `CREATE TABLE later_table (id bigserial PRIMARY KEY, v text)`)
	require.NoError(t, err)

	// Locally the role gets a password to log in (on RDS: IAM tokens).
	require.NoError(t, testsupport.SetPassword(ctx, master, app, "app-pass-1"))
	conn := connectAs(t, m.MasterURL, app, "app-pass-1")
	_, err = conn.Exec(ctx, `INSERT INTO menus (restaurant_id, document) VALUES (7, '{}')`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE menus SET version = version + 1 WHERE restaurant_id = 7`)
	require.NoError(t, err)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM menus`).Scan(&n))
	assert.Equal(t, 1, n)
	_, err = conn.Exec(ctx, `INSERT INTO later_table (v) VALUES ('x')`)
	require.NoError(t, err, "tables (and sequences) of later migrations are covered")
	_, err = conn.Exec(ctx, `DELETE FROM menus WHERE restaurant_id = 7`)
	require.NoError(t, err)

	for _, ddl := range []string{
		`CREATE TABLE evil (id int)`,
		`ALTER TABLE menus ADD COLUMN evil int`,
		`DROP TABLE menus`,
		`TRUNCATE menus`,
		`UPDATE schema_migrations SET dirty = true`,
		`SELECT * FROM schema_migrations`,
	} {
		_, err := conn.Exec(ctx, ddl)
		require.Error(t, err, ddl)
		assert.Equal(t, "42501", sqlState(err), "%s: insufficient_privilege expected, got %v", ddl, err)
	}
}

// On RDS the role rds_iam exists and must be granted; locally it does not.
// Roles are transactional, so the test creates rds_iam inside a transaction
// that it rolls back, leaving the shared server untouched.
func TestAppRoleGetsRDSIAMWhenItExists(t *testing.T) {
	app := newAppRoleName(t)
	m := testsupport.NewMasterDatabase(t)
	ctx := context.Background()
	_, err := Migrate(ctx, m.MasterURL, 10*time.Second)
	require.NoError(t, err)
	cfg, err := pgx.ParseConfig(m.MasterURL)
	require.NoError(t, err)
	db := stdlib.OpenDB(*cfg)
	defer func() { _ = db.Close() }()

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	require.NoError(t, grantAppRole(ctx, tx, app))
	var granted bool
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')`).Scan(&granted))
	require.False(t, granted, "no rds_iam role on a local server")

	_, err = tx.ExecContext(ctx, `CREATE ROLE rds_iam NOLOGIN`)
	require.NoError(t, err)
	require.NoError(t, grantAppRole(ctx, tx, app))
	require.NoError(t, tx.QueryRowContext(ctx, `
		SELECT pg_has_role($1, 'rds_iam', 'MEMBER')`, app).Scan(&granted))
	assert.True(t, granted, "GRANT rds_iam TO the app role")
}

func TestEnsureAppRoleRefusesASuperuser(t *testing.T) {
	m := testsupport.NewMasterDatabase(t)
	ctx := context.Background()
	_, err := Migrate(ctx, m.MasterURL, 10*time.Second)
	require.NoError(t, err)
	cfg, err := pgx.ParseConfig(m.MasterURL)
	require.NoError(t, err)
	db := stdlib.OpenDB(*cfg)
	defer func() { _ = db.Close() }()
	// The bootstrap superuser of the test cluster is "postgres".
	err = EnsureAppRole(ctx, db, "postgres")
	require.ErrorIs(t, err, ErrAppRole)
	assert.Contains(t, err.Error(), "superuser")
}
