// Package testsupport connects integration tests to the real PostgreSQL and
// Redis started by `bash .ci/services.sh`.
//
// When a service is unreachable the tests are skipped with a message saying
// which one and how to start it — unless GARCON_REQUIRE_SERVICES=1 (set in
// CI), in which case they fail, so that a broken CI machine cannot turn the
// integration suite into a silent no-op.
package testsupport

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Environment variables read by the integration tests, and their defaults.
const (
	EnvDatabaseURL   = "GARCON_TEST_DATABASE_URL"
	EnvRedisAddr     = "GARCON_TEST_REDIS_ADDR"
	EnvRedisPassword = "GARCON_TEST_REDIS_PASSWORD"
	EnvRequire       = "GARCON_REQUIRE_SERVICES"

	// The local test role created by .ci/services.sh, not a real secret.
	DefaultDatabaseURL = "postgres://garcon:garcon@127.0.0.1:5432/garcon_test?sslmode=disable" //nolint:gosec // test-only loopback credentials
	DefaultRedisAddr   = "127.0.0.1:6379"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// unavailable skips (or, with GARCON_REQUIRE_SERVICES=1, fails) the test.
func unavailable(t testing.TB, service, target string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not reachable at %s (%v); start it with `bash .ci/services.sh` (as root) or set %s",
		service, target, err, map[string]string{"PostgreSQL": EnvDatabaseURL, "Redis": EnvRedisAddr}[service])
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s=1 but %s", EnvRequire, msg)
	}
	t.Skip("integration test skipped: " + msg)
}

// DatabaseURL returns the base test database URL.
func DatabaseURL() string { return env(EnvDatabaseURL, DefaultDatabaseURL) }

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// RequirePostgres returns the base database URL, or skips/fails the test
// when PostgreSQL does not answer.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	u := DatabaseURL()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		unavailable(t, "PostgreSQL", redact(u), err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if err := conn.Ping(ctx); err != nil {
		unavailable(t, "PostgreSQL", redact(u), err)
	}
	return u
}

// RedisOptions returns client options for the test Redis.
func RedisOptions() *redis.Options {
	return &redis.Options{
		Addr:            env(EnvRedisAddr, DefaultRedisAddr),
		Password:        os.Getenv(EnvRedisPassword),
		DisableIdentity: true,
		Protocol:        2,
		// Fail fast when Redis is down, so skipping is quick.
		DialTimeout:   time.Second,
		DialerRetries: 1,
		MaxRetries:    0,
	}
}

// RequireRedis returns a client for the test Redis (closed at cleanup), or
// skips/fails the test when Redis does not answer.
func RequireRedis(t testing.TB) *redis.Client {
	t.Helper()
	opts := RedisOptions()
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		unavailable(t, "Redis", opts.Addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// NewDatabase creates an empty database for one test (dropped at cleanup)
// and returns its URL, so that test packages running in parallel never see
// each other's schema or rows. The test role needs CREATEDB, which
// .ci/services.sh grants.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	name := fmt.Sprintf("garcon_t_%d_%x", time.Now().Unix(), RandomID()&0xffffffff)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(base), err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test database (the role needs CREATEDB; run `bash .ci/services.sh`): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// WithHostPort returns connString with its host:port replaced (used to
// route a pool through a Proxy).
func WithHostPort(t testing.TB, connString, hostPort string) string {
	t.Helper()
	u, err := url.Parse(connString)
	if err != nil {
		t.Fatalf("parse connection string: %v", err)
	}
	u.Host = hostPort
	return u.String()
}

// HostPort returns the host:port of a postgres:// URL.
func HostPort(t testing.TB, connString string) string {
	t.Helper()
	u, err := url.Parse(connString)
	if err != nil {
		t.Fatalf("parse connection string: %v", err)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.Host
}

// RandomID returns a random positive int64 below 2^62: restaurant ids that
// cannot collide between tests sharing the one Redis.
func RandomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>2) | 1
}

// KeyPrefix returns a Redis key prefix unique to one test.
func KeyPrefix(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("garcon-test:%s:%x:", name, RandomID())
}
