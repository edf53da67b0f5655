package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Faults seen by the real binary, in both modes (in TLS mode over the
// production connection path: verify-full PostgreSQL, Redis TLS + AUTH).
// A server "stops" through a Proxy (connections refused and reset), never
// by stopping the servers other test packages share.

func putMenu(t *testing.T, p *proc, id, item string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, p.url("/v1/restaurants/"+id+"/menu"), strings.NewReader(menuJSON(item)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

type healthJSON struct {
	Status string `json:"status"`
	Checks map[string]struct {
		Status string `json:"status"`
	} `json:"checks"`
}

func healthOf(t *testing.T, p *proc) (int, healthJSON) {
	t.Helper()
	code, body := p.get(t, "/health")
	var h healthJSON
	_ = json.Unmarshal([]byte(body), &h)
	return code, h
}

func TestServePostgresStoppedThenBack(t *testing.T) {
	t.Parallel()
	dbURL := testsupport.NewDatabase(t)
	proxy := testsupport.NewProxy(t, testsupport.HostPort(t, dbURL))
	p := startServeWith(t, serveSetup{dbURL: dbURL, dbAddr: proxy.Addr()})
	id := strconv.FormatInt(testsupport.RandomID(), 10)
	require.Equal(t, http.StatusOK, putMenu(t, p, id, "Before"))

	proxy.Stop()
	require.Eventually(t, func() bool {
		code, h := healthOf(t, p)
		return code == http.StatusServiceUnavailable && h.Checks["postgres_writer"].Status == "down"
	}, 6*time.Second, 100*time.Millisecond, "writer down is a 503 for the ALB")
	assert.Equal(t, http.StatusServiceUnavailable, putMenu(t, p, id, "During"), "a write is a retryable 503")
	assert.Equal(t, http.StatusOK, p.status(t, "/livez"), "the container stays alive")

	require.NoError(t, proxy.Start())
	require.Eventually(t, func() bool { return p.status(t, "/health") == http.StatusOK }, 10*time.Second, 100*time.Millisecond)
	require.Equal(t, http.StatusOK, putMenu(t, p, id, "After"))
	code, body := p.get(t, "/v1/restaurants/"+id+"/menu")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"After"`)
	assert.True(t, p.running())
	assert.Empty(t, nonJSONLines(p.stderr.String()), "stderr stays JSON")
}

// Redis stopped: menus come from PostgreSQL, /health says degraded (200),
// and the go-redis client's complaints reach the JSON log, rate-limited,
// never stderr as plain text.
func TestServeRedisStoppedServesFromPostgres(t *testing.T) {
	t.Parallel()
	testsupport.RequireRedis(t)
	proxy := testsupport.NewProxy(t, testsupport.RedisAddr())
	p := startServeWith(t, serveSetup{redisAddr: proxy.Addr()})
	id := strconv.FormatInt(testsupport.RandomID(), 10)
	require.Equal(t, http.StatusOK, putMenu(t, p, id, "Cached"))
	res, err := http.Get(p.url("/v1/restaurants/" + id + "/menu"))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, "hit", res.Header.Get("X-Cache"))

	proxy.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(p.url("/v1/restaurants/" + id + "/menu"))
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "menus are served from PostgreSQL")
		time.Sleep(20 * time.Millisecond)
	}
	code, h := healthOf(t, p)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "degraded", h.Status)
	assert.Equal(t, "down", h.Checks["redis"].Status)
	assert.Empty(t, nonJSONLines(p.stderr.String()), "no plain-text go-redis lines on stderr during the outage")
	assert.Empty(t, p.stderr.String())
	logs := p.stdout.String()
	assert.Empty(t, nonJSONLines(logs))
	assert.Contains(t, logs, "redis unavailable, serving menus from PostgreSQL")
	n := strings.Count(logs, `"component":"go-redis"`)
	assert.GreaterOrEqual(t, n, 1, "go-redis's own messages reach the JSON log")
	assert.LessOrEqual(t, n, 4, "rate-limited: one line per message kind per 5 s")

	require.NoError(t, proxy.Start())
	require.Eventually(t, func() bool {
		code, h := healthOf(t, p)
		return code == http.StatusOK && h.Status == "ok"
	}, 10*time.Second, 100*time.Millisecond)
}

// A wrong CA (verify-full against a CA that did not sign the server's
// certificate): the app refuses the connection, says why, keeps running.
func TestServeWrongCA(t *testing.T) {
	t.Parallel()
	if !testsupport.TLS() {
		t.Skip("TLS mode only (GARCON_TEST_MODE=tls)")
	}
	wrong := testsupport.WrongCAFile()
	require.FileExists(t, wrong)

	t.Run("postgres", func(t *testing.T) {
		p := startServeWith(t, serveSetup{noWait: true, env: []string{"DB_SSLROOTCERT=" + wrong}})
		p.waitLive(t, 5*time.Second)
		require.Eventually(t, func() bool { return failures(p) >= 1 }, 10*time.Second, 50*time.Millisecond)
		out := p.stdout.String()
		assert.Contains(t, out, "certificate signed by unknown authority", "the log says why")
		code, body := p.get(t, "/health")
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Contains(t, body, `"migrations":"pending"`)
		assert.True(t, p.running(), "no crash")
	})
	t.Run("redis", func(t *testing.T) {
		p := startServeWith(t, serveSetup{env: []string{"SSL_CERT_FILE=" + wrong}})
		require.Eventually(t, func() bool {
			code, h := healthOf(t, p)
			return code == http.StatusOK && h.Checks["redis"].Status == "down"
		}, 6*time.Second, 100*time.Millisecond, "Redis with an untrusted certificate is down, the service degraded")
		id := strconv.FormatInt(testsupport.RandomID(), 10)
		require.Equal(t, http.StatusOK, putMenu(t, p, id, "Uncached"))
		code, _ := p.get(t, "/v1/restaurants/"+id+"/menu")
		assert.Equal(t, http.StatusOK, code)
		assert.Eventually(t, func() bool {
			return strings.Contains(p.stdout.String(), "certificate signed by unknown authority")
		}, 5*time.Second, 100*time.Millisecond, "the log says why")
		assert.Empty(t, nonJSONLines(p.stderr.String()))
	})
}
