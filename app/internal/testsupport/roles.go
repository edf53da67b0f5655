package testsupport

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// MasterDB is a test database owned by a role of its own, like an RDS
// database and its master user: the rotation tests change that role's
// password without touching the role other tests share.
type MasterDB struct {
	AdminURL  string // the shared test role (CREATEROLE), on this database
	MasterURL string // the master role, on this database
	Master    string // master role name
	Password  string // master role password
	Name      string // database name
}

// NewMasterDatabase creates a database (dropped at cleanup) owned by a new
// LOGIN CREATEROLE role (dropped at cleanup), as RDS creates its master user.
// The shared test role is made a member of it, so that it may hand over the
// database and later end the master's sessions.
func NewMasterDatabase(t testing.TB) MasterDB {
	t.Helper()
	master := fmt.Sprintf("garcon_master_%x", RandomID()&0xffffffff)
	DropRoleAtCleanup(t, master) // registered first: runs after the database is dropped
	adminURL := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(adminURL), err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	m := MasterDB{AdminURL: adminURL, Master: master,
		Password: fmt.Sprintf("master-%x", RandomID())}
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&m.Name); err != nil {
		t.Fatal(err)
	}
	role := pgx.Identifier{m.Master}.Sanitize()
	for _, s := range []string{
		"CREATE ROLE " + role + " LOGIN CREATEROLE PASSWORD '" + m.Password + "'",
		"GRANT " + role + " TO CURRENT_USER",
		"ALTER DATABASE " + pgx.Identifier{m.Name}.Sanitize() + " OWNER TO " + role,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v (the test role needs CREATEROLE; run `make services`)", s, err)
		}
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(m.Master, m.Password)
	m.MasterURL = u.String()
	return m
}

// DropRoleAtCleanup drops role (if it exists) when the test ends, after the
// databases created by the test are gone (cleanups run last-in first-out,
// so register it before creating what depends on the role).
func DropRoleAtCleanup(t testing.TB, role string) {
	t.Helper()
	base := DatabaseURL()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop role %s: %v", role, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		// A role created by the test may hold privileges in the shared
		// test database (default privileges, grants): drop those first.
		id := pgx.Identifier{role}.Sanitize()
		var exists bool
		_ = c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists)
		if !exists {
			return
		}
		_, _ = c.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
		_, _ = c.Exec(ctx, "GRANT "+id+" TO CURRENT_USER") // DROP OWNED needs membership
		if _, err := c.Exec(ctx, "DROP OWNED BY "+id); err != nil {
			t.Logf("drop owned by %s: %v", role, err)
		}
		if _, err := c.Exec(ctx, "DROP ROLE IF EXISTS "+id); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
}

// SetPassword changes role's password through the admin connection and ends
// every session of each role in terminate: what a rotation does to a task's
// connections in the worst case.
func SetPassword(ctx context.Context, admin *pgx.Conn, role, password string, terminate ...string) error {
	if _, err := admin.Exec(ctx, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" PASSWORD "+quoteLiteral(password)); err != nil {
		return err
	}
	if len(terminate) == 0 {
		return nil
	}
	_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1) AND pid <> pg_backend_pid()`, terminate)
	return err
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
