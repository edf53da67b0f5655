// Package store owns the PostgreSQL connection pools (writer and reader),
// the schema migrations and the SQL of the service.
package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"

	"github.com/garcon/infrastructure/app/internal/config"
)

// PoolOptions sizes one pool. The defaults keep tasks × connections well
// under the max_connections of a small RDS instance.
type PoolOptions struct {
	MaxConns int32
	MinConns int32
}

// Default pool sizes: reads dominate (menus), writes are admin-only.
var (
	WriterPoolOptions = PoolOptions{MaxConns: 8, MinConns: 1}
	ReaderPoolOptions = PoolOptions{MaxConns: 16, MinConns: 2}
)

// ConnString builds a libpq-style URL for one host of the database config
// with the master credentials of DB_CREDENTIALS: the migrations use it.
// Credentials are URL-escaped, so any character in the RDS-generated
// password is safe.
func ConnString(db config.Database, host string) string {
	return connString(db, host, url.UserPassword(db.User, db.Password.Reveal()))
}

// servingConnString is the URL of a serving pool: the serving user and no
// password at all (the CredentialSource supplies one per connection).
func servingConnString(db config.Database, host string) string {
	return connString(db, host, url.User(db.ServingUser()))
}

func connString(db config.Database, host string, user *url.Userinfo) string {
	q := url.Values{}
	q.Set("sslmode", db.SSLMode)
	if db.SSLMode == "verify-ca" || db.SSLMode == "verify-full" {
		q.Set("sslrootcert", db.SSLRootCert)
	}
	q.Set("application_name", "garcon")
	q.Set("connect_timeout", "5")
	u := url.URL{
		Scheme:   "postgres",
		User:     user,
		Host:     net.JoinHostPort(host, strconv.Itoa(db.Port)),
		Path:     "/" + db.Name,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// CheckRootCert fails early, with the variable name, when verified TLS is
// requested but the CA bundle cannot be read; otherwise the first symptom
// would be an opaque TLS error on every connection attempt.
func CheckRootCert(db config.Database) error {
	if db.SSLMode != "verify-ca" && db.SSLMode != "verify-full" {
		return nil
	}
	if _, err := os.Stat(db.SSLRootCert); err != nil {
		return fmt.Errorf("DB_SSLROOTCERT %q cannot be read (needed for DB_SSLMODE=%s): %w", db.SSLRootCert, db.SSLMode, err)
	}
	return nil
}

// NewPoolConfig parses connString and applies the pool tuning shared by the
// writer and reader pools.
func NewPoolConfig(connString string, opts PoolOptions) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's own message says what is wrong (e.g. "unable to read CA
		// file"); it quotes the connection string with the password masked
		// (pgconn's redaction, pinned by a test).
		return nil, fmt.Errorf("invalid PostgreSQL connection settings: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	cfg.MinConns = opts.MinConns
	// Recycle connections regularly: after an RDS failover the writer DNS
	// name points elsewhere, and old connections would keep talking to the
	// demoted instance.
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnLifetimeJitter = 5 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	setMinTLS(cfg.ConnConfig.TLSConfig)
	for _, fb := range cfg.ConnConfig.Fallbacks {
		setMinTLS(fb.TLSConfig)
	}
	return cfg, nil
}

func setMinTLS(c *tls.Config) {
	if c != nil && c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
}

// Pools holds the writer and reader pools.
type Pools struct {
	Writer *pgxpool.Pool
	Reader *pgxpool.Pool
}

// UseCredentials makes every new connection of the pool ask creds for its
// password (pgx's BeforeConnect hook gets a copy of the connection config
// per connection attempt, so nothing is cached).
func UseCredentials(cfg *pgxpool.Config, creds CredentialSource) {
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		pw, err := creds.Password(ctx, cc.Host, cc.Port, cc.User)
		if err != nil {
			if !errors.Is(err, ErrCredentials) {
				err = fmt.Errorf("%w: %w", ErrCredentials, err)
			}
			return err
		}
		cc.Password = pw
		return nil
	}
}

// Open creates both pools; they log in as db.ServingUser() with the password
// creds gives each new connection, and their queries are traced with tp
// (nil: not traced). It does not wait for the database: pgxpool connects
// lazily, and the service must start (and answer /livez) even while the
// database is failing over.
func Open(ctx context.Context, db config.Database, creds CredentialSource, tp trace.TracerProvider) (*Pools, error) {
	if err := CheckRootCert(db); err != nil {
		return nil, err
	}
	wcfg, err := NewPoolConfig(servingConnString(db, db.WriterHost), WriterPoolOptions)
	if err != nil {
		return nil, fmt.Errorf("writer pool: %w", err)
	}
	rcfg, err := NewPoolConfig(servingConnString(db, db.ReaderHost), ReaderPoolOptions)
	if err != nil {
		return nil, fmt.Errorf("reader pool: %w", err)
	}
	UseCredentials(wcfg, creds)
	UseCredentials(rcfg, creds)
	if tp != nil {
		Instrument(wcfg, tp)
		Instrument(rcfg, tp)
	}
	writer, err := pgxpool.NewWithConfig(ctx, wcfg)
	if err != nil {
		return nil, fmt.Errorf("writer pool: %w", err)
	}
	reader, err := pgxpool.NewWithConfig(ctx, rcfg)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("reader pool: %w", err)
	}
	return &Pools{Writer: writer, Reader: reader}, nil
}

// Close closes both pools, waiting for acquired connections to be released.
func (p *Pools) Close() {
	p.Writer.Close()
	p.Reader.Close()
}

// IsReadOnlyError reports whether err is PostgreSQL's "cannot execute ... in
// a read-only transaction" (SQLSTATE 25006), which a write gets when its
// connection still points at an instance that was demoted by a failover.
func IsReadOnlyError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "25006"
}

// IsUnavailable reports whether err means the database could not be reached
// or did not answer in time (worth a retry, HTTP 503), as opposed to a bug
// or a rejected statement.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var (
		connErr *pgconn.ConnectError
		netErr  net.Error
	)
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrCredentials) ||
		errors.As(err, &connErr) ||
		errors.As(err, &netErr) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err) ||
		IsConnectionLost(err) ||
		IsReadOnlyError(err)
}
