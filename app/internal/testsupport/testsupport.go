// Package testsupport connects integration tests to the real PostgreSQL and
// Redis started by `make services` (.ci/services.sh), in one of two modes:
//
//	GARCON_TEST_MODE=plain (default)  PostgreSQL and Redis without TLS
//	GARCON_TEST_MODE=tls              TLS-only PostgreSQL (verify-full against
//	                                  the script's CA) and TLS-only Redis with
//	                                  AUTH: the production connection path
//
// Settings come from the process environment, else from the env file the
// services script writes (GARCON_SERVICES_ENV, default .tools/services.env
// found by walking up from the test's directory), else from defaults.
//
// When a service is unreachable the tests are skipped with a message saying
// which one and how to start it — unless GARCON_REQUIRE_SERVICES=1 (set in
// CI), in which case they fail, so that a broken CI machine cannot turn the
// integration suite into a silent no-op.
package testsupport

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/garcon/infrastructure/app/internal/config"
)

// Environment variables read by the integration tests, and their defaults.
const (
	EnvMode          = "GARCON_TEST_MODE"
	EnvServicesFile  = "GARCON_SERVICES_ENV"
	EnvDatabaseURL   = "GARCON_TEST_DATABASE_URL"
	EnvRedisAddr     = "GARCON_TEST_REDIS_ADDR"
	EnvRedisPassword = "GARCON_TEST_REDIS_PASSWORD"
	EnvTLSDatabase   = "GARCON_TEST_TLS_DATABASE_URL"
	EnvTLSRedisAddr  = "GARCON_TEST_TLS_REDIS_ADDR"
	EnvTLSRedisPass  = "GARCON_TEST_TLS_REDIS_PASSWORD" //nolint:gosec // a variable name, not a credential
	EnvTLSCA         = "GARCON_TEST_TLS_CA"
	EnvTLSWrongCA    = "GARCON_TEST_TLS_WRONG_CA"
	EnvRequire       = "GARCON_REQUIRE_SERVICES"

	// The local test role created by .ci/services.sh, not a real secret.
	DefaultDatabaseURL = "postgres://garcon:garcon@127.0.0.1:5432/garcon_test?sslmode=disable" //nolint:gosec // test-only loopback credentials
	DefaultRedisAddr   = "127.0.0.1:6379"
)

var (
	fileOnce sync.Once
	fileVars map[string]string
	filePath string
)

// servicesFile locates and parses the services env file once.
func servicesFile() map[string]string {
	fileOnce.Do(func() {
		fileVars = map[string]string{}
		filePath = os.Getenv(EnvServicesFile)
		if filePath == "" {
			dir, err := os.Getwd()
			for err == nil {
				if c := filepath.Join(dir, ".tools", "services.env"); fileExists(c) {
					filePath = c
					break
				}
				parent := filepath.Dir(dir)
				if parent == dir {
					break
				}
				dir = parent
			}
		}
		if filePath == "" {
			return
		}
		f, err := os.Open(filePath) //nolint:gosec // the services env file named by the developer or found in .tools/
		if err != nil {
			return
		}
		defer func() { _ = f.Close() }()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
				// Values are single-quoted by the script (no quote inside).
				if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
					v = v[1 : len(v)-1]
				}
				fileVars[strings.TrimSpace(k)] = v
			}
		}
	})
	return fileVars
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Setting returns a test setting: the environment first, then the services
// env file, then def.
func Setting(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	if v := servicesFile()[key]; v != "" {
		return v
	}
	return def
}

// TLS reports whether the tests run in TLS mode (GARCON_TEST_MODE=tls).
func TLS() bool { return os.Getenv(EnvMode) == "tls" }

// Mode is "tls" or "plain", for messages.
func Mode() string {
	if TLS() {
		return "tls"
	}
	return "plain"
}

// CAFile is the PEM of the CA that signed the test servers' certificates
// ("" in plain mode without a services file).
func CAFile() string { return Setting(EnvTLSCA, "") }

// WrongCAFile is the PEM of a CA that signed nothing (the wrong-CA tests).
func WrongCAFile() string { return Setting(EnvTLSWrongCA, "") }

// RootCAs returns a pool holding only CAFile's certificates.
func RootCAs(t testing.TB) *x509.CertPool {
	t.Helper()
	return certPool(t, CAFile())
}

func certPool(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file) //nolint:gosec // test CA path from the services script
	if err != nil {
		unavailable(t, "the test CA", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no PEM certificate", file)
	}
	return pool
}

func startHint() string {
	hint := "start them with `make services` (or `bash .ci/services.sh`; no root needed)"
	if filePath != "" {
		hint += ", settings read from " + filePath
	}
	return hint
}

// unavailable skips (or, with GARCON_REQUIRE_SERVICES=1, fails) the test.
func unavailable(t testing.TB, service, target string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s (%s mode) is not reachable at %s (%v); %s", service, Mode(), target, err, startHint())
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s=1 but %s", EnvRequire, msg)
	}
	t.Skip("integration test skipped: " + msg)
}

// DatabaseURL returns the base test database URL of the current mode.
func DatabaseURL() string {
	if TLS() {
		return Setting(EnvTLSDatabase, "")
	}
	return Setting(EnvDatabaseURL, DefaultDatabaseURL)
}

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
	if u == "" {
		unavailable(t, "PostgreSQL", EnvTLSDatabase, fmt.Errorf("not configured"))
	}
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

// RedisAddr and RedisPassword are the test Redis of the current mode.
func RedisAddr() string {
	if TLS() {
		return Setting(EnvTLSRedisAddr, "")
	}
	return Setting(EnvRedisAddr, DefaultRedisAddr)
}

// RedisPassword is the AUTH password of the test Redis ("" for none).
func RedisPassword() string {
	if TLS() {
		return Setting(EnvTLSRedisPass, "")
	}
	return Setting(EnvRedisPassword, "")
}

// RedisTLSConfig is the client TLS configuration of the TLS test Redis (nil
// in plain mode): the script's CA, server name = the host of RedisAddr.
func RedisTLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	if !TLS() {
		return nil
	}
	host, _, _ := net.SplitHostPort(RedisAddr())
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: RootCAs(t), ServerName: host}
}

// RedisOptions returns client options for the test Redis of the mode.
func RedisOptions(t testing.TB) *redis.Options {
	t.Helper()
	return &redis.Options{
		Addr:            RedisAddr(),
		Password:        RedisPassword(),
		TLSConfig:       RedisTLSConfig(t),
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
	if RedisAddr() == "" {
		unavailable(t, "Redis", EnvTLSRedisAddr, fmt.Errorf("not configured"))
	}
	opts := RedisOptions(t)
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
		t.Fatalf("create test database (the role needs CREATEDB; run `make services`): %v", err)
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

// RedisConfig is the service's Redis configuration for the test Redis of
// the mode, reached at addr (the Redis itself or a Proxy in front of it).
// In TLS mode, pass cache.WithRootCAs(testsupport.RootCAs(t)) to NewClient.
func RedisConfig(t testing.TB, addr string) config.Redis {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("redis address %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatalf("redis address %q: %v", addr, err)
	}
	return config.Redis{Host: host, Port: port, TLS: TLS(), AuthToken: config.NewSecret(RedisPassword())}
}
