package main

import (
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// A task must start while the writer is unreachable (a failover, a stopped
// instance): it listens at once, /livez is 200 for the ECS container health
// check, /health and the API answer 503 until the migrations have run, and
// the same process becomes healthy when the writer is back.

// startBehind starts the binary with its database behind proxy (stopped or
// cut by the caller) and checks the not-ready contract.
func startBehind(t *testing.T, proxy *testsupport.Proxy, dbURL string) *proc {
	t.Helper()
	buildBinary(t) // not part of the start-up time
	start := time.Now()
	p := startServeWith(t, serveSetup{dbURL: dbURL, dbAddr: proxy.Addr(), noWait: true})
	p.waitLive(t, 5*time.Second)
	live := time.Since(start)
	t.Logf("/livez answered %s after start, writer unreachable", live.Round(time.Millisecond))
	assert.Less(t, live, 2*time.Second, "listening does not wait for the database")

	code, body := p.get(t, "/health")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"status":"unavailable","migrations":"pending"}`, body)

	res, err := http.Get(p.url("/v1/restaurants/7/menu"))
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	return p
}

// becomesHealthy waits for the same process to serve: /health 200, then a
// menu PUT and GET.
func becomesHealthy(t *testing.T, p *proc, since time.Time, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return p.status(t, "/health") == http.StatusOK }, within, 20*time.Millisecond,
		"the process did not become healthy after the writer came back")
	t.Logf("healthy %s after the writer came back", time.Since(since).Round(time.Millisecond))
	require.True(t, p.running(), "the process never restarted")

	id := strconv.FormatInt(testsupport.RandomID(), 10)
	req, err := http.NewRequest(http.MethodPut, p.url("/v1/restaurants/"+id+"/menu"), strings.NewReader(menuJSON("Back")))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	code, body := p.get(t, "/v1/restaurants/"+id+"/menu")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"Back"`)
	assert.Empty(t, nonJSONLines(p.stdout.String()), "stdout is JSON lines only")
}

// failures counts the logged migration failures (one JSON line per attempt).
func failures(p *proc) int {
	return strings.Count(p.stdout.String(), `"msg":"schema migration failed, retrying"`)
}

func TestServeStartsWhileWriterIsStopped(t *testing.T) {
	t.Parallel()
	dbURL := testsupport.NewDatabase(t)
	proxy := testsupport.NewStoppedProxy(t, testsupport.HostPort(t, dbURL))
	p := startBehind(t, proxy, dbURL)

	// Attempts are retried with backoff, each failure logged once.
	require.Eventually(t, func() bool { return failures(p) >= 3 }, 10*time.Second, 50*time.Millisecond)
	out := p.stdout.String()
	assert.Contains(t, out, `"attempt":1,`)
	assert.Contains(t, out, `"attempt":2,`)
	assert.Contains(t, out, "connection refused", "the log says why")
	assert.Empty(t, nonJSONLines(out))
	assert.Equal(t, http.StatusServiceUnavailable, p.status(t, "/health"))

	back := time.Now()
	require.NoError(t, proxy.Start())
	becomesHealthy(t, p, back, 15*time.Second)
	assert.Equal(t, 1, strings.Count(p.stdout.String(), `"msg":"schema is current"`))
}

// Frozen writer: TCP connects, nothing ever answers (a partition, an
// instance hung mid-failover). Each attempt gives up after the connect
// timeout instead of hanging, and the process keeps serving /livez.
func TestServeStartsWhileWriterIsFrozen(t *testing.T) {
	t.Parallel()
	dbURL := testsupport.NewDatabase(t)
	proxy := testsupport.NewProxy(t, testsupport.HostPort(t, dbURL))
	proxy.Cut()
	p := startBehind(t, proxy, dbURL)

	require.Eventually(t, func() bool { return failures(p) >= 1 }, 12*time.Second, 100*time.Millisecond,
		"a frozen writer must fail the attempt within the connect timeout")
	assert.Equal(t, http.StatusOK, p.status(t, "/livez"))
	assert.Equal(t, http.StatusServiceUnavailable, p.status(t, "/health"))

	back := time.Now()
	proxy.Restore()
	becomesHealthy(t, p, back, 20*time.Second)
}

// SIGTERM while the migrator is retrying (or blocked connecting to a frozen
// writer) stops the task cleanly and quickly.
func TestServeSIGTERMDuringMigrationRetries(t *testing.T) {
	t.Parallel()
	for _, frozen := range []bool{false, true} {
		t.Run(map[bool]string{false: "stopped", true: "frozen"}[frozen], func(t *testing.T) {
			dbURL := testsupport.NewDatabase(t)
			proxy := testsupport.NewStoppedProxy(t, testsupport.HostPort(t, dbURL))
			if frozen {
				require.NoError(t, proxy.Start())
				proxy.Cut()
			}
			p := startBehind(t, proxy, dbURL)
			time.Sleep(700 * time.Millisecond) // in the retry loop (or in a connect attempt)

			start := time.Now()
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			assert.Equal(t, exitOK, p.wait(t, 10*time.Second))
			took := time.Since(start)
			t.Logf("exited %s after SIGTERM", took.Round(time.Millisecond))
			assert.Less(t, took, 3*time.Second)
			assert.Contains(t, p.stdout.String(), `"msg":"schema migration stopped: shutting down"`)
			assert.Contains(t, p.stdout.String(), `"msg":"drained"`)
		})
	}
}
