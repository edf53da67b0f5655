package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestServeWithBadConfigExits2WithOneMessage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := map[string]string{
		"ENVIRONMENT": "Prod", "PORT": "x", "JWT_SECRET": "short-but-secret-value",
		"DB_CREDENTIALS": `{"username":"u","password":"p4ssw0rd-secret"`,
	}
	code := run(context.Background(), []string{"serve"}, lookup(env), &stdout, &stderr)
	assert.Equal(t, exitConfig, code)
	assert.Empty(t, stdout.String(), "nothing starts")

	out := strings.TrimSpace(stderr.String())
	require.Equal(t, 0, strings.Count(out, "\n"), "exactly one line: %s", out)
	var line struct {
		Level    string   `json:"level"`
		Msg      string   `json:"msg"`
		Problems []string `json:"problems"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &line))
	assert.Equal(t, "ERROR", line.Level)
	joined := strings.Join(line.Problems, "\n")
	for _, v := range []string{"ENVIRONMENT", "PORT", "DB_WRITER_HOST", "DB_READER_HOST", "DB_NAME", "DB_CREDENTIALS",
		"REDIS_HOST", "REDIS_AUTH_TOKEN", "UPLOADS_BUCKET", "AWS_REGION", "JWT_SECRET", "STRIPE_API_KEY", "GOOGLE_MAPS_API_KEY"} {
		assert.Contains(t, joined, v+": ")
	}
	assert.NotContains(t, out, "short-but-secret-value")
	assert.NotContains(t, out, "p4ssw0rd-secret")
}

func TestMigrateWithBadConfigExits2(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"migrate"}, lookup(map[string]string{}), &stdout, &stderr)
	assert.Equal(t, exitConfig, code)
	assert.Contains(t, stderr.String(), "DB_WRITER_HOST")
	assert.NotContains(t, stderr.String(), "JWT_SECRET", "migrate needs only the database variables")
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitConfig, run(context.Background(), []string{"frobnicate"}, lookup(nil), &stdout, &stderr))
	assert.Contains(t, stderr.String(), `unknown subcommand "frobnicate"`)
	stderr.Reset()
	assert.Equal(t, exitConfig, run(context.Background(), []string{"serve", "extra"}, lookup(nil), &stdout, &stderr))
	assert.Contains(t, stderr.String(), "unexpected arguments")
	assert.Equal(t, exitOK, run(context.Background(), []string{"help"}, lookup(nil), &stdout, &stderr))
	assert.Contains(t, stdout.String(), "healthcheck")
}

func portOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Port()
}

func TestHealthcheckSubcommand(t *testing.T) {
	status := http.StatusOK
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		w.WriteHeader(status)
	}))
	defer srv.Close()
	env := map[string]string{"PORT": portOf(t, srv.URL)}
	var out, errb bytes.Buffer

	assert.Equal(t, exitOK, run(context.Background(), []string{"healthcheck"}, lookup(env), &out, &errb))
	assert.Equal(t, "/livez", gotPath, "liveness only, never /health")

	status = http.StatusServiceUnavailable
	assert.Equal(t, exitFail, run(context.Background(), []string{"healthcheck"}, lookup(env), &out, &errb))
	assert.Contains(t, errb.String(), "503")

	// Nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := portOf(t, "http://"+ln.Addr().String())
	require.NoError(t, ln.Close())
	assert.Equal(t, exitFail, run(context.Background(), []string{"healthcheck"}, lookup(map[string]string{"PORT": port}), &out, &errb))

	assert.Equal(t, exitFail, run(context.Background(), []string{"healthcheck"}, lookup(map[string]string{"PORT": "nope"}), &out, &errb))
}

func TestHealthcheckTimesOutWithin2s(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"healthcheck"}, lookup(map[string]string{"PORT": portOf(t, srv.URL)}), &out, &errb)
	assert.Equal(t, exitFail, code)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), healthcheckTimeout-100*time.Millisecond)
}
