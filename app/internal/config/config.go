// Package config parses the service configuration from environment variables.
//
// Parsing is a pure function over a lookup function (os.LookupEnv in
// production, a map in tests), so every rule is unit-testable. All problems
// are collected and reported together: a deployment with three mistakes must
// not need three failed rollouts to find them.
package config

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
)

// LookupFunc returns the value of an environment variable and whether it is
// set; os.LookupEnv has this signature.
type LookupFunc func(key string) (string, bool)

// MapLookup adapts a map to a LookupFunc (convenient in tests).
func MapLookup(m map[string]string) LookupFunc {
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// Database authentication modes of DB_AUTH.
const (
	// DBAuthIAM: the serving pools log in as DB_APP_USER with an RDS IAM
	// authentication token, generated for every new connection.
	DBAuthIAM = "iam"
	// DBAuthPassword: the serving pools log in with DB_CREDENTIALS (local
	// development and tests, where there is no IAM).
	DBAuthPassword = "password"
)

// Defaults applied when a variable is unset or empty.
const (
	DefaultPort            = 8080
	DefaultDBPort          = 5432
	DefaultDBSSLMode       = "verify-full"
	DefaultDBSSLRootCert   = "/etc/ssl/certs/rds-global-bundle.pem"
	DefaultDBAuth          = DBAuthIAM
	DefaultJWTAudience     = "garcon-api"
	DefaultRedisPort       = 6379
	DefaultUploadMaxBytes  = 10 << 20 // 10 MiB
	DefaultMenuCacheTTL    = 60 * time.Second
	DefaultShutdownTimeout = 25 * time.Second

	// MaxShutdownTimeout is exclusive: ECS sends SIGKILL 30 s after SIGTERM
	// (the task definition's stopTimeout), so draining must finish before.
	MaxShutdownTimeout = 30 * time.Second
	// MinJWTSecretBytes follows RFC 7518 §3.2: an HS256 key must be at least
	// as long as the hash output (256 bits).
	MinJWTSecretBytes = 32
	// maxUploadBytes is the largest object a single S3 PUT accepts (5 GiB).
	maxUploadBytes = 5 << 30
)

// Secret holds a sensitive value. Its String, GoString, LogValue-style and
// JSON forms are redacted so the value cannot leak through logs or error
// messages by accident; call Reveal where the raw value is really needed.
type Secret struct{ value string }

// NewSecret wraps a sensitive value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the raw value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer with a redacted value.
func (s Secret) String() string { return "[REDACTED]" }

// GoString implements fmt.GoStringer with a redacted value (%#v).
func (s Secret) GoString() string { return "config.Secret{[REDACTED]}" }

// MarshalJSON implements json.Marshaler with a redacted value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// Database is the PostgreSQL part of the configuration.
type Database struct {
	WriterHost string
	ReaderHost string
	Port       int
	Name       string
	// User and Password are the master credentials from DB_CREDENTIALS.
	// They run the migrations (and, with Auth "password", serve too).
	User     string
	Password Secret
	// Auth is DB_AUTH: DBAuthIAM or DBAuthPassword.
	Auth string
	// AppUser is DB_APP_USER: the role of the serving pools with IAM
	// authentication; the migrations create it and grant it DML only.
	// Empty with Auth "password" when DB_APP_USER is unset.
	AppUser     string
	SSLMode     string
	SSLRootCert string
}

// ServingUser is the role the writer and reader pools log in as.
func (d Database) ServingUser() string {
	if d.Auth == DBAuthIAM {
		return d.AppUser
	}
	return d.User
}

// Redis is the Redis (ElastiCache) part of the configuration.
type Redis struct {
	Host      string
	Port      int
	AuthToken Secret
	TLS       bool
}

// Config is the whole service configuration.
type Config struct {
	Environment     string
	Port            int
	DB              Database
	Redis           Redis
	UploadsBucket   string
	AWSRegion       string
	UploadMaxBytes  int64
	JWTSecret       Secret
	JWTAudience     string
	StripeAPIKey    Secret
	GoogleMapsKey   Secret
	MenuCacheTTL    time.Duration
	ShutdownTimeout time.Duration
	Tracing         Tracing
}

// Problem is one invalid or missing variable.
type Problem struct {
	Var     string // environment variable name
	Message string // what is wrong and what is allowed; never the secret value
}

func (p Problem) String() string { return p.Var + ": " + p.Message }

// Error lists every configuration problem found.
type Error struct {
	Problems []Problem
}

// Error renders all problems in one message.
func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		lines = append(lines, p.String())
	}
	return fmt.Sprintf("invalid configuration (%d problem(s)): %s", len(e.Problems), strings.Join(lines, "; "))
}

// Strings returns each problem as "VAR: message".
func (e *Error) Strings() []string {
	out := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		out = append(out, p.String())
	}
	return out
}

// Load parses and validates the whole configuration. It returns an *Error
// listing every problem when anything is missing or malformed.
func Load(lookup LookupFunc) (Config, error) {
	p := &parser{lookup: lookup}
	var c Config
	c.Environment = p.environment()
	c.Port = p.port("PORT", DefaultPort)
	c.DB = p.database()
	c.Redis = p.redis()

	c.UploadsBucket = p.required("UPLOADS_BUCKET", "an S3 bucket name")
	if c.UploadsBucket != "" && (!bucketRE.MatchString(c.UploadsBucket) || strings.Contains(c.UploadsBucket, "..")) {
		p.fail("UPLOADS_BUCKET", "%q is not a valid S3 bucket name; 3-63 lowercase letters, digits, dots and hyphens", c.UploadsBucket)
	}
	c.AWSRegion = p.required("AWS_REGION", "an AWS region such as eu-west-1")
	if c.AWSRegion != "" && !regionRE.MatchString(c.AWSRegion) {
		p.fail("AWS_REGION", "%q is not a valid AWS region; such as eu-west-1", c.AWSRegion)
	}
	c.UploadMaxBytes = p.int64Range("UPLOAD_MAX_BYTES", DefaultUploadMaxBytes, 1, maxUploadBytes)

	c.JWTSecret = p.secret("JWT_SECRET", MinJWTSecretBytes)
	c.JWTAudience = DefaultJWTAudience
	if v, ok := p.get("JWT_AUDIENCE"); ok {
		if audienceRE.MatchString(v) {
			c.JWTAudience = v
		} else {
			p.fail("JWT_AUDIENCE", "%q is invalid; 1-256 printable ASCII characters without spaces (default %s)", v, DefaultJWTAudience)
		}
	}
	c.StripeAPIKey = p.secret("STRIPE_API_KEY", 1)
	c.GoogleMapsKey = p.secret("GOOGLE_MAPS_API_KEY", 1)

	c.MenuCacheTTL = p.duration("MENU_CACHE_TTL", DefaultMenuCacheTTL, time.Second, 24*time.Hour, "")
	c.ShutdownTimeout = p.duration("SHUTDOWN_TIMEOUT", DefaultShutdownTimeout, time.Second,
		MaxShutdownTimeout-time.Second, " (must stay below the 30s ECS stop timeout)")
	c.Tracing = p.tracing()

	if len(p.problems) > 0 {
		return Config{}, &Error{Problems: p.problems}
	}
	return c, nil
}

// LoadDatabase parses only the PostgreSQL variables; the migrate subcommand
// uses it so that a one-off migration task needs no API secrets.
func LoadDatabase(lookup LookupFunc) (Database, error) {
	p := &parser{lookup: lookup}
	db := p.database()
	if len(p.problems) > 0 {
		return Database{}, &Error{Problems: p.problems}
	}
	return db, nil
}

// LoadPort parses only PORT; the healthcheck subcommand uses it so that the
// container health check cannot fail because of an unrelated variable.
func LoadPort(lookup LookupFunc) (int, error) {
	p := &parser{lookup: lookup}
	port := p.port("PORT", DefaultPort)
	if len(p.problems) > 0 {
		return 0, &Error{Problems: p.problems}
	}
	return port, nil
}

// environment reads ENVIRONMENT: any short lower-case name, because it is a
// metric dimension and a log field and the platform adds environments
// (dev, load-test copies) without an application release.
func (p *parser) environment() string {
	v := p.required("ENVIRONMENT", "a lower-case name such as staging or production ([a-z][a-z0-9-]{0,31})")
	if v != "" && !environmentRE.MatchString(v) {
		p.fail("ENVIRONMENT", "%q is not allowed; a lower-case name such as staging or production ([a-z][a-z0-9-]{0,31})", v)
		return ""
	}
	return v
}

// dbAuth reads DB_AUTH and DB_APP_USER. The default is IAM, the production
// mode: a forgotten variable then fails closed (no IAM role, no connection)
// instead of silently serving as the master user.
func (p *parser) dbAuth(db *Database) {
	db.Auth = p.oneOf("DB_AUTH", DefaultDBAuth, DBAuthIAM, DBAuthPassword)
	v, ok := p.get("DB_APP_USER")
	const allowed = "a PostgreSQL role name of 1-63 lower-case letters, digits or _, not starting with a digit"
	switch {
	case !ok && db.Auth == DBAuthIAM:
		p.fail("DB_APP_USER", "required when DB_AUTH is iam; %s (the role the API logs in as, e.g. garcon_app)", allowed)
	case !ok:
	case !roleRE.MatchString(v) || strings.HasPrefix(v, "pg_") || strings.HasPrefix(v, "rds"):
		p.fail("DB_APP_USER", "%q is not allowed; %s, not a reserved pg_* or rds* name", v, allowed)
	case db.User != "" && v == db.User:
		p.fail("DB_APP_USER", "%q is the master user of DB_CREDENTIALS; the API must log in as its own role", v)
	default:
		db.AppUser = v
	}
}

func (p *parser) database() Database {
	var db Database
	db.WriterHost = p.host("DB_WRITER_HOST")
	db.ReaderHost = p.host("DB_READER_HOST")
	db.Port = p.port("DB_PORT", DefaultDBPort)
	db.Name = p.required("DB_NAME", "a PostgreSQL database name")
	if db.Name != "" && !dbNameRE.MatchString(db.Name) {
		p.fail("DB_NAME", "%q is not a valid database name; 1-63 letters, digits, _ $ or -, not starting with a digit", db.Name)
	}
	db.User, db.Password = p.credentials("DB_CREDENTIALS")
	p.dbAuth(&db)
	db.SSLMode = p.oneOf("DB_SSLMODE", DefaultDBSSLMode, "disable", "require", "verify-ca", "verify-full")
	db.SSLRootCert = DefaultDBSSLRootCert
	if v, ok := p.get("DB_SSLROOTCERT"); ok {
		db.SSLRootCert = v
	}
	if (db.SSLMode == "verify-ca" || db.SSLMode == "verify-full") && !path.IsAbs(db.SSLRootCert) {
		p.fail("DB_SSLROOTCERT", "%q is not an absolute path; the PEM CA bundle used with DB_SSLMODE=%s", db.SSLRootCert, db.SSLMode)
	}
	return db
}

func (p *parser) redis() Redis {
	var r Redis
	r.Host = p.host("REDIS_HOST")
	r.Port = p.port("REDIS_PORT", DefaultRedisPort)
	r.TLS = p.boolean("REDIS_TLS", true)
	token, _ := p.lookup("REDIS_AUTH_TOKEN")
	switch {
	case token == "" && r.TLS:
		p.fail("REDIS_AUTH_TOKEN", "required when REDIS_TLS is true; the ElastiCache AUTH token")
	case strings.IndexFunc(token, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' }) >= 0:
		p.fail("REDIS_AUTH_TOKEN", "contains spaces or non-printable characters; printable ASCII only")
	default:
		r.AuthToken = NewSecret(token)
	}
	return r
}

// IsConfigError reports whether err is (or wraps) a configuration *Error.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
