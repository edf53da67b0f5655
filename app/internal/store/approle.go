package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// appRoleLockKey serialises EnsureAppRole between tasks starting at once
// (an advisory transaction lock; the value is arbitrary but fixed).
const appRoleLockKey int64 = 0x67617263_6f6e6170 // "garconap"

// ErrAppRole means the configured application role is unusable as one: it
// is a superuser or owns tables, so the API would not be confined to DML.
var ErrAppRole = errors.New("unsafe application role")

// EnsureAppRole creates the API's own database role (DB_APP_USER) if it is
// missing and grants it exactly what serving needs, idempotently. It runs as
// the master user after the schema migrations, on every start:
//
//   - CREATE ROLE <user> LOGIN, without a password: with DB_AUTH=iam it logs
//     in with RDS IAM tokens only;
//   - GRANT rds_iam TO <user> when the rds_iam role exists (on RDS, not on a
//     local PostgreSQL), which makes RDS accept IAM tokens for it;
//   - CONNECT on the database, USAGE on the schema, SELECT/INSERT/UPDATE/
//     DELETE on its tables and USAGE/SELECT/UPDATE on its sequences, and the
//     same as default privileges for the tables later migrations create;
//   - nothing on schema_migrations, no CREATE on the schema, no ownership:
//     the API cannot change the schema or its migration state.
//
// The role name is quoted with pgx.Identifier; it never reaches SQL as text.
// Roles are cluster-wide, so a concurrent creation from another database is
// tolerated (duplicate_object) and the grants are retried once.
func EnsureAppRole(ctx context.Context, db *sql.DB, user string) error {
	err := ensureAppRole(ctx, db, user)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
		err = ensureAppRole(ctx, db, user)
	}
	if err != nil {
		return fmt.Errorf("application role %q: %w", user, err)
	}
	return nil
}

func ensureAppRole(ctx context.Context, db *sql.DB, user string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, appRoleLockKey); err != nil {
		return err
	}
	if err := grantAppRole(ctx, tx, user); err != nil {
		return err
	}
	return tx.Commit()
}

// grantAppRole is EnsureAppRole inside the caller's transaction.
func grantAppRole(ctx context.Context, tx *sql.Tx, user string) error {
	role := pgx.Identifier{user}.Sanitize()
	var err error
	var exists, super, rdsIAM bool
	var schema, database string
	err = tx.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
		       COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = $1), false),
		       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'),
		       current_schema(), current_database()`, user).Scan(&exists, &super, &rdsIAM, &schema, &database)
	if err != nil {
		return err
	}
	if super {
		return fmt.Errorf("%w: it is a superuser; use a role of its own", ErrAppRole)
	}
	stmts := []string{}
	if !exists {
		stmts = append(stmts, "CREATE ROLE "+role+" LOGIN")
	}
	if rdsIAM {
		stmts = append(stmts, "GRANT rds_iam TO "+role)
	}
	sch, dbn := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{database}.Sanitize()
	stmts = append(stmts,
		"GRANT CONNECT ON DATABASE "+dbn+" TO "+role,
		// No role but the owner may create objects in the schema (the
		// PostgreSQL 15 default; older versions granted CREATE to PUBLIC).
		"REVOKE CREATE ON SCHEMA "+sch+" FROM PUBLIC",
		"GRANT USAGE ON SCHEMA "+sch+" TO "+role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "+sch+" TO "+role,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "+sch+" TO "+role,
		"REVOKE ALL ON TABLE "+sch+".schema_migrations FROM "+role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA "+sch+" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "+role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA "+sch+" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "+role,
	)
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	var owned int
	err = tx.QueryRowContext(ctx, `
		SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = $2 AND pg_get_userbyid(c.relowner) = $1`, user, schema).Scan(&owned)
	if err != nil {
		return err
	}
	if owned > 0 {
		return fmt.Errorf("%w: it owns %d relation(s) in schema %s, so it could alter or drop them", ErrAppRole, owned, schema)
	}
	return nil
}
