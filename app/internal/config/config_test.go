package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testJWTSecret = "0123456789abcdef0123456789abcdef" // exactly 32 bytes
	testPassword  = `p@ss:w/rd"with{json}chars`
)

// validEnv is the smallest complete configuration.
func validEnv() map[string]string {
	return map[string]string{
		"ENVIRONMENT":         "staging",
		"DB_WRITER_HOST":      "garcon.cluster-abc.eu-west-1.rds.amazonaws.com",
		"DB_READER_HOST":      "garcon.cluster-ro-abc.eu-west-1.rds.amazonaws.com",
		"DB_NAME":             "garcon",
		"DB_CREDENTIALS":      `{"username":"garcon_master","password":"p@ss:w/rd\"with{json}chars","engine":"postgres","port":5432,"host":"ignored"}`,
		"DB_APP_USER":         "garcon_app",
		"REDIS_HOST":          "master.garcon.abc.euw1.cache.amazonaws.com",
		"REDIS_AUTH_TOKEN":    "redis-auth-token-0123456789",
		"UPLOADS_BUCKET":      "garcon-uploads-staging",
		"AWS_REGION":          "eu-west-1",
		"JWT_SECRET":          testJWTSecret,
		"STRIPE_API_KEY":      "sk_test_123",
		"GOOGLE_MAPS_API_KEY": "maps-key",
	}
}

func load(t *testing.T, env map[string]string) (Config, *Error) {
	t.Helper()
	c, err := Load(MapLookup(env))
	if err == nil {
		return c, nil
	}
	var ce *Error
	require.True(t, errors.As(err, &ce), "error must be *config.Error, got %T", err)
	return c, ce
}

func TestLoadValidAppliesDefaults(t *testing.T) {
	c, cerr := load(t, validEnv())
	require.Nil(t, cerr)
	assert.Equal(t, "staging", c.Environment)
	assert.Equal(t, 8080, c.Port)
	assert.Equal(t, 5432, c.DB.Port)
	assert.Equal(t, "garcon_master", c.DB.User)
	assert.Equal(t, "iam", c.DB.Auth, "IAM authentication unless told otherwise")
	assert.Equal(t, "garcon_app", c.DB.AppUser)
	assert.Equal(t, "garcon_app", c.DB.ServingUser())
	assert.Equal(t, "garcon-api", c.JWTAudience)
	assert.Equal(t, testPassword, c.DB.Password.Reveal())
	assert.Equal(t, "verify-full", c.DB.SSLMode)
	assert.Equal(t, "/etc/ssl/certs/rds-global-bundle.pem", c.DB.SSLRootCert)
	assert.Equal(t, 6379, c.Redis.Port)
	assert.True(t, c.Redis.TLS)
	assert.Equal(t, "redis-auth-token-0123456789", c.Redis.AuthToken.Reveal())
	assert.Equal(t, int64(10485760), c.UploadMaxBytes)
	assert.Equal(t, 60*time.Second, c.MenuCacheTTL)
	assert.Equal(t, 25*time.Second, c.ShutdownTimeout)
	assert.Equal(t, testJWTSecret, c.JWTSecret.Reveal())
}

func TestLoadOverrides(t *testing.T) {
	env := validEnv()
	env["ENVIRONMENT"] = "production"
	env["PORT"] = "9000"
	env["DB_PORT"] = "6432"
	env["DB_SSLMODE"] = "require"
	env["DB_SSLROOTCERT"] = "relative/is/fine/without/verification.pem"
	env["REDIS_PORT"] = "6380"
	env["REDIS_TLS"] = "false"
	env["REDIS_AUTH_TOKEN"] = ""
	env["UPLOAD_MAX_BYTES"] = "2048"
	env["MENU_CACHE_TTL"] = "5m"
	env["SHUTDOWN_TIMEOUT"] = "10s"
	env["DB_WRITER_HOST"] = "10.0.1.5"
	env["DB_AUTH"] = "password"
	delete(env, "DB_APP_USER")
	env["JWT_AUDIENCE"] = "https://api.garcon.example"
	c, cerr := load(t, env)
	require.Nil(t, cerr)
	assert.Equal(t, 9000, c.Port)
	assert.Equal(t, 6432, c.DB.Port)
	assert.Equal(t, "require", c.DB.SSLMode)
	assert.Equal(t, 6380, c.Redis.Port)
	assert.False(t, c.Redis.TLS)
	assert.True(t, c.Redis.AuthToken.IsZero())
	assert.Equal(t, int64(2048), c.UploadMaxBytes)
	assert.Equal(t, 5*time.Minute, c.MenuCacheTTL)
	assert.Equal(t, 10*time.Second, c.ShutdownTimeout)
	assert.Equal(t, "10.0.1.5", c.DB.WriterHost)
	assert.Equal(t, "password", c.DB.Auth)
	assert.Empty(t, c.DB.AppUser)
	assert.Equal(t, "garcon_master", c.DB.ServingUser(), "password mode serves with DB_CREDENTIALS")
	assert.Equal(t, "https://api.garcon.example", c.JWTAudience)
}

// ENVIRONMENT is any short lower-case name: the platform adds environments
// (dev, load-test copies) without an application release.
func TestEnvironmentNames(t *testing.T) {
	for _, ok := range []string{"staging", "production", "dev", "load-test-2", "a", "x23456789012345678901234567890ab"} {
		env := validEnv()
		env["ENVIRONMENT"] = ok
		c, cerr := load(t, env)
		require.Nil(t, cerr, ok)
		assert.Equal(t, ok, c.Environment)
	}
	for _, bad := range []string{"Prod", "1dev", "-dev", "dev_1", "dev 1", "x234567890123456789012345678901ab"} {
		env := validEnv()
		env["ENVIRONMENT"] = bad
		_, cerr := load(t, env)
		require.NotNil(t, cerr, bad)
		assert.Equal(t, "ENVIRONMENT", cerr.Problems[0].Var)
	}
}

// Each bad value must produce a problem naming its variable, with a message
// that says what is allowed.
func TestLoadEachBadValue(t *testing.T) {
	cases := []struct {
		name, key, value, wantVar, wantMsg string
	}{
		{"env missing", "ENVIRONMENT", "", "ENVIRONMENT", "required; a lower-case name"},
		{"env upper case", "ENVIRONMENT", "Prod", "ENVIRONMENT", `"Prod" is not allowed; a lower-case name`},
		{"db auth", "DB_AUTH", "token", "DB_AUTH", "one of iam, password"},
		{"app user missing with iam", "DB_APP_USER", "", "DB_APP_USER", "required when DB_AUTH is iam"},
		{"app user bad", "DB_APP_USER", `app"; DROP ROLE x; --`, "DB_APP_USER", "not allowed"},
		{"app user reserved", "DB_APP_USER", "rds_iam", "DB_APP_USER", "reserved"},
		{"app user is master", "DB_APP_USER", "garcon_master", "DB_APP_USER", "master user of DB_CREDENTIALS"},
		{"jwt audience spaces", "JWT_AUDIENCE", "garcon api", "JWT_AUDIENCE", "printable ASCII"},
		{"port text", "PORT", "http", "PORT", "1 to 65535"},
		{"port zero", "PORT", "0", "PORT", "1 to 65535"},
		{"port big", "PORT", "70000", "PORT", "1 to 65535"},
		{"writer missing", "DB_WRITER_HOST", "", "DB_WRITER_HOST", "required"},
		{"writer url", "DB_WRITER_HOST", "postgres://db:5432", "DB_WRITER_HOST", "without scheme or port"},
		{"reader with port", "DB_READER_HOST", "db.example.com:5432", "DB_READER_HOST", "without scheme or port"},
		{"db port", "DB_PORT", "-1", "DB_PORT", "1 to 65535"},
		{"db name missing", "DB_NAME", "  ", "DB_NAME", "required"},
		{"db name bad", "DB_NAME", "1garcon;drop", "DB_NAME", "not a valid database name"},
		{"creds missing", "DB_CREDENTIALS", "", "DB_CREDENTIALS", `"username" and "password"`},
		{"creds not json", "DB_CREDENTIALS", "user:pass", "DB_CREDENTIALS", "not valid JSON"},
		{"creds no password", "DB_CREDENTIALS", `{"username":"u"}`, "DB_CREDENTIALS", `missing or empty "password"`},
		{"creds empty user", "DB_CREDENTIALS", `{"username":"","password":"x"}`, "DB_CREDENTIALS", `missing or empty "username"`},
		{"creds wrong type", "DB_CREDENTIALS", `{"username":1,"password":2}`, "DB_CREDENTIALS", `"username" and "password"`},
		{"sslmode", "DB_SSLMODE", "prefer", "DB_SSLMODE", "disable, require, verify-ca, verify-full"},
		{"rootcert relative", "DB_SSLROOTCERT", "certs/rds.pem", "DB_SSLROOTCERT", "absolute path"},
		{"redis host", "REDIS_HOST", "", "REDIS_HOST", "required"},
		{"redis port", "REDIS_PORT", "six", "REDIS_PORT", "1 to 65535"},
		{"redis tls", "REDIS_TLS", "yes", "REDIS_TLS", "true or false"},
		{"redis token with tls", "REDIS_AUTH_TOKEN", "", "REDIS_AUTH_TOKEN", "required when REDIS_TLS is true"},
		{"redis token spaces", "REDIS_AUTH_TOKEN", "has space inside", "REDIS_AUTH_TOKEN", "printable ASCII"},
		{"bucket missing", "UPLOADS_BUCKET", "", "UPLOADS_BUCKET", "required"},
		{"bucket upper", "UPLOADS_BUCKET", "Garcon_Uploads", "UPLOADS_BUCKET", "not a valid S3 bucket name"},
		{"region missing", "AWS_REGION", "", "AWS_REGION", "required"},
		{"region bad", "AWS_REGION", "Europe", "AWS_REGION", "not a valid AWS region"},
		{"upload max text", "UPLOAD_MAX_BYTES", "10MB", "UPLOAD_MAX_BYTES", "integer number of bytes"},
		{"upload max zero", "UPLOAD_MAX_BYTES", "0", "UPLOAD_MAX_BYTES", "from 1 to"},
		{"upload max > 5GiB", "UPLOAD_MAX_BYTES", "5368709121", "UPLOAD_MAX_BYTES", "from 1 to 5368709120"},
		{"jwt missing", "JWT_SECRET", "", "JWT_SECRET", "at least 32 bytes"},
		{"jwt short", "JWT_SECRET", "short-secret", "JWT_SECRET", "too short (12 bytes)"},
		{"stripe missing", "STRIPE_API_KEY", "", "STRIPE_API_KEY", "non-empty"},
		{"maps missing", "GOOGLE_MAPS_API_KEY", " ", "GOOGLE_MAPS_API_KEY", "non-empty"},
		{"ttl syntax", "MENU_CACHE_TTL", "60", "MENU_CACHE_TTL", "not a duration"},
		{"ttl zero", "MENU_CACHE_TTL", "0s", "MENU_CACHE_TTL", "out of range"},
		{"shutdown too long", "SHUTDOWN_TIMEOUT", "30s", "SHUTDOWN_TIMEOUT", "below the 30s ECS stop timeout"},
		{"shutdown syntax", "SHUTDOWN_TIMEOUT", "soon", "SHUTDOWN_TIMEOUT", "not a duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			if tc.value == "" {
				delete(env, tc.key)
			} else {
				env[tc.key] = tc.value
			}
			_, cerr := load(t, env)
			require.NotNil(t, cerr, "expected a problem for %s=%q", tc.key, tc.value)
			require.Len(t, cerr.Problems, 1, "exactly one problem expected: %v", cerr.Problems)
			assert.Equal(t, tc.wantVar, cerr.Problems[0].Var)
			assert.Contains(t, cerr.Problems[0].Message, tc.wantMsg)
		})
	}
}

func TestLoadListsEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		"PORT":             "nope",
		"DB_SSLMODE":       "sometimes",
		"REDIS_TLS":        "maybe",
		"MENU_CACHE_TTL":   "-1s",
		"UPLOAD_MAX_BYTES": "huge",
	}
	_, err := Load(MapLookup(env))
	require.Error(t, err)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	vars := map[string]bool{}
	for _, p := range ce.Problems {
		vars[p.Var] = true
	}
	want := []string{
		"ENVIRONMENT", "PORT", "DB_WRITER_HOST", "DB_READER_HOST", "DB_NAME", "DB_CREDENTIALS",
		"DB_SSLMODE", "REDIS_HOST", "REDIS_TLS", "UPLOADS_BUCKET", "AWS_REGION", "UPLOAD_MAX_BYTES",
		"JWT_SECRET", "STRIPE_API_KEY", "GOOGLE_MAPS_API_KEY", "MENU_CACHE_TTL",
	}
	for _, v := range want {
		assert.True(t, vars[v], "problem for %s missing from %v", v, ce.Strings())
	}
	// One message carries them all.
	msg := err.Error()
	assert.Contains(t, msg, fmt.Sprintf("(%d problem(s))", len(ce.Problems)))
	for _, v := range want {
		assert.Contains(t, msg, v+": ")
	}
}

func TestSecretsNeverAppearInErrorsOrFormatting(t *testing.T) {
	env := validEnv()
	env["JWT_SECRET"] = "tooshort-but-secret"
	env["DB_CREDENTIALS"] = `{"username":"u","password":"hunter2-secret` // broken JSON
	_, err := Load(MapLookup(env))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "tooshort-but-secret")
	assert.NotContains(t, err.Error(), "hunter2-secret")

	c, cerr := load(t, validEnv())
	require.Nil(t, cerr)
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(c.JWTSecret)} {
		assert.NotContains(t, s, testJWTSecret)
		assert.NotContains(t, s, testPassword)
		assert.NotContains(t, s, "sk_test_123")
		assert.NotContains(t, s, "redis-auth-token-0123456789")
	}
	b, err := c.JWTSecret.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `"[REDACTED]"`, string(b))
}

func TestEmptyValueMeansDefault(t *testing.T) {
	env := validEnv()
	env["PORT"] = ""
	env["MENU_CACHE_TTL"] = "  "
	c, cerr := load(t, env)
	require.Nil(t, cerr)
	assert.Equal(t, 8080, c.Port)
	assert.Equal(t, 60*time.Second, c.MenuCacheTTL)
}

func TestLoadDatabaseAndPortOnly(t *testing.T) {
	env := validEnv()
	delete(env, "JWT_SECRET") // irrelevant to migrate
	db, err := LoadDatabase(MapLookup(env))
	require.NoError(t, err)
	assert.Equal(t, "garcon", db.Name)

	delete(env, "DB_NAME")
	_, err = LoadDatabase(MapLookup(env))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "DB_NAME"))
	assert.False(t, strings.Contains(err.Error(), "JWT_SECRET"))

	port, err := LoadPort(MapLookup(map[string]string{}))
	require.NoError(t, err)
	assert.Equal(t, 8080, port)
	_, err = LoadPort(MapLookup(map[string]string{"PORT": "x"}))
	require.Error(t, err)
	assert.True(t, IsConfigError(err))
}
