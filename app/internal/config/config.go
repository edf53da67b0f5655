// Package config parses the service configuration from environment variables.
//
// Parsing is a pure function over a lookup function (os.LookupEnv in
// production, a map in tests), so every rule is unit-testable. All problems
// are collected and reported together: a deployment with three mistakes must
// not need three failed rollouts to find them.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
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

// Environment names accepted in ENVIRONMENT.
const (
	EnvStaging    = "staging"
	EnvProduction = "production"
)

// Defaults applied when a variable is unset or empty.
const (
	DefaultPort            = 8080
	DefaultDBPort          = 5432
	DefaultDBSSLMode       = "verify-full"
	DefaultDBSSLRootCert   = "/etc/ssl/certs/rds-global-bundle.pem"
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
	WriterHost  string
	ReaderHost  string
	Port        int
	Name        string
	User        string
	Password    Secret
	SSLMode     string
	SSLRootCert string
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
	StripeAPIKey    Secret
	GoogleMapsKey   Secret
	MenuCacheTTL    time.Duration
	ShutdownTimeout time.Duration
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

// parser accumulates problems while reading variables.
type parser struct {
	lookup   LookupFunc
	problems []Problem
}

func (p *parser) fail(name, format string, args ...any) {
	p.problems = append(p.problems, Problem{Var: name, Message: fmt.Sprintf(format, args...)})
}

// get returns the trimmed value; an empty value counts as unset so that an
// ECS variable declared with "" falls back to the default.
func (p *parser) get(name string) (string, bool) {
	v, ok := p.lookup(name)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

func (p *parser) required(name, allowed string) string {
	v, ok := p.get(name)
	if !ok {
		p.fail(name, "required; %s", allowed)
	}
	return v
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v, ok := p.get(name)
	if !ok {
		if def == "" {
			p.fail(name, "required; one of %s", strings.Join(allowed, ", "))
		}
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "%q is not allowed; one of %s", v, strings.Join(allowed, ", "))
	return def
}

func (p *parser) port(name string, def int) int {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		p.fail(name, "%q is not a valid port; an integer from 1 to 65535 (default %d)", v, def)
		return def
	}
	return n
}

func (p *parser) int64Range(name string, def, lo, hi int64) int64 {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		p.fail(name, "%q is invalid; an integer number of bytes from %d to %d (default %d)", v, lo, hi, def)
		return def
	}
	return n
}

func (p *parser) duration(name string, def, lo, hi time.Duration, why string) time.Duration {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(name, "%q is not a duration; use Go syntax such as 30s or 2m, from %s up to %s%s (default %s)", v, lo, hi, why, def)
		return def
	}
	if d < lo || d > hi {
		p.fail(name, "%s is out of range; from %s up to %s%s (default %s)", d, lo, hi, why, def)
		return def
	}
	return d
}

func (p *parser) boolean(name string, def bool) bool {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, "%q is not a boolean; true or false (default %t)", v, def)
		return def
	}
	return b
}

// secret reads a required secret and never includes its value in problems.
func (p *parser) secret(name string, minBytes int) Secret {
	v, ok := p.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		if minBytes > 1 {
			p.fail(name, "required; a secret of at least %d bytes", minBytes)
		} else {
			p.fail(name, "required; a non-empty secret")
		}
		return Secret{}
	}
	if len(v) < minBytes {
		p.fail(name, "too short (%d bytes); at least %d bytes", len(v), minBytes)
		return Secret{}
	}
	return NewSecret(v)
}

var (
	hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)
	dbNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]{0,62}$`)
	bucketRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

func (p *parser) host(name string) string {
	v := p.required(name, "a DNS name or IP address without scheme or port")
	if v == "" {
		return ""
	}
	if net.ParseIP(v) != nil {
		return v
	}
	if len(v) > 253 || !hostnameRE.MatchString(v) {
		p.fail(name, "%q is not a valid host; a DNS name or IP address without scheme or port", v)
		return ""
	}
	return v
}

// credentials parses the JSON of the RDS-managed Secrets Manager secret,
// which ECS injects whole. Only username and password are used; the other
// keys (engine, host, port, dbname, ...) are ignored on purpose because the
// host names come from DB_WRITER_HOST/DB_READER_HOST.
func (p *parser) credentials(name string) (string, Secret) {
	const allowed = `a JSON object with non-empty string fields "username" and "password" (other keys are ignored)`
	v, ok := p.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		p.fail(name, "required; %s", allowed)
		return "", Secret{}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		// The error text of encoding/json can quote input bytes, which here
		// are the password: report only the kind of failure.
		p.fail(name, "is not valid JSON; %s", allowed)
		return "", Secret{}
	}
	field := func(key string) (string, bool) {
		msg, ok := raw[key]
		if !ok {
			return "", false
		}
		var s string
		if err := json.Unmarshal(msg, &s); err != nil || s == "" {
			return "", false
		}
		return s, true
	}
	user, okU := field("username")
	pass, okP := field("password")
	var missing []string
	if !okU {
		missing = append(missing, `"username"`)
	}
	if !okP {
		missing = append(missing, `"password"`)
	}
	if len(missing) > 0 {
		p.fail(name, "missing or empty %s; %s", strings.Join(missing, " and "), allowed)
		return "", Secret{}
	}
	return user, NewSecret(pass)
}

// Load parses and validates the whole configuration. It returns an *Error
// listing every problem when anything is missing or malformed.
func Load(lookup LookupFunc) (Config, error) {
	p := &parser{lookup: lookup}
	var c Config
	c.Environment = p.oneOf("ENVIRONMENT", "", EnvStaging, EnvProduction)
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
	c.StripeAPIKey = p.secret("STRIPE_API_KEY", 1)
	c.GoogleMapsKey = p.secret("GOOGLE_MAPS_API_KEY", 1)

	c.MenuCacheTTL = p.duration("MENU_CACHE_TTL", DefaultMenuCacheTTL, time.Second, 24*time.Hour, "")
	c.ShutdownTimeout = p.duration("SHUTDOWN_TIMEOUT", DefaultShutdownTimeout, time.Second,
		MaxShutdownTimeout-time.Second, " (must stay below the 30s ECS stop timeout)")

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
