package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// End-to-end tests of the real binary: configuration from the environment,
// migrations at start, serving, and the SIGTERM drain that ECS relies on.

func adminToken(t *testing.T) string {
	t.Helper()
	tok, err := auth.Sign([]byte(e2eJWTSecret), "garcon-api", "owner-e2e", true, time.Hour)
	require.NoError(t, err)
	return tok
}

func menuJSON(item string) string {
	return `{"currency":"EUR","sections":[{"name":"Mains","items":[{"name":"` + item + `","price_cents":1200}]}]}`
}

// slowPut sends the request headers and half of the body, then waits for
// release before sending the rest: an in-flight request as seen from a slow
// mobile client.
type slowPut struct {
	conn net.Conn
	rest string
}

func startSlowPut(t *testing.T, p *proc, path, body string) *slowPut {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(p.port))
	require.NoError(t, err)
	half := len(body) / 2
	_, err = fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: garcon\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
		path, adminToken(t), len(body), body[:half])
	require.NoError(t, err)
	return &slowPut{conn: conn, rest: body[half:]}
}

// slowResult is what the client got back.
type slowResult struct {
	status int
	close  bool // the server announced Connection: close
	body   []byte
}

func (s *slowPut) finish() (slowResult, error) {
	defer func() { _ = s.conn.Close() }()
	if _, err := io.WriteString(s.conn, s.rest); err != nil {
		return slowResult{}, err
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	if err != nil {
		return slowResult{}, err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return slowResult{status: res.StatusCode, close: res.Close, body: b}, err
}

func TestServeDrainsInFlightRequestsOnSIGTERM(t *testing.T) {
	p := startServe(t)
	assert.Contains(t, p.stdout.String(), `"msg":"schema is current"`, "migrations ran at start")

	id := testsupport.RandomID()
	path := "/v1/restaurants/" + strconv.FormatInt(id, 10) + "/menu"

	const inflight = 4
	puts := make([]*slowPut, inflight)
	for i := range puts {
		puts[i] = startSlowPut(t, p, path, menuJSON(fmt.Sprintf("Dish %d", i)))
	}
	// Let the server read the headers and enter the handlers.
	time.Sleep(300 * time.Millisecond)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))

	// New connections are refused as soon as the listener closes...
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p.port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return false
		}
		return true
	}, 3*time.Second, 20*time.Millisecond, "listener still accepting after SIGTERM")

	// ...while the process keeps running for the requests in flight.
	select {
	case err := <-p.done:
		t.Fatalf("exited with requests in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}

	versions := map[float64]bool{}
	for i, s := range puts {
		res, err := s.finish()
		require.NoError(t, err, "in-flight request %d lost", i)
		assert.Equal(t, http.StatusOK, res.status, string(res.body))
		assert.True(t, res.close, "draining server closes the connection after the response")
		var m map[string]any
		require.NoError(t, json.Unmarshal(res.body, &m), string(res.body))
		versions[m["version"].(float64)] = true
	}
	assert.Len(t, versions, inflight, "each in-flight write was applied once")

	assert.Equal(t, exitOK, p.wait(t, 10*time.Second))
	out := p.stdout.String()
	assert.Contains(t, out, `"msg":"shutdown signal received, draining"`)
	assert.Contains(t, out, `"msg":"drained"`)

	// The final EMF flush reports the updates served while draining.
	var updates float64
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, `"_aws"`) {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		updates += m["MenuUpdates"].(float64)
	}
	assert.Equal(t, float64(inflight), updates)
}

func TestServeDrainTimeoutForcesExit(t *testing.T) {
	p := startServe(t, "SHUTDOWN_TIMEOUT=1s")
	s := startSlowPut(t, p, "/v1/restaurants/42/menu", menuJSON("Never finished"))
	defer func() { _ = s.conn.Close() }()
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	// The client never sends the rest: after SHUTDOWN_TIMEOUT the process
	// gives up on it and exits (non-zero) rather than being SIGKILLed.
	assert.Equal(t, exitFail, p.wait(t, 5*time.Second))
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Contains(t, p.stdout.String(), "drain timed out")
}

func TestServeEndpointsEndToEnd(t *testing.T) {
	p := startServe(t)
	res, err := http.Get(p.url("/health"))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"status":"ok"`)

	req, err := http.NewRequest("POST", p.url("/v1/uploads"), strings.NewReader(`{"content_type":"image/png","content_length":2048}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), "garcon-uploads-test")
	assert.Contains(t, string(body), `"key":"uploads/owner-e2e/`)

	// Access log line with request id and pattern.
	assert.Eventually(t, func() bool {
		return strings.Contains(p.stdout.String(), `"pattern":"POST /v1/uploads"`)
	}, 2*time.Second, 50*time.Millisecond)

	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"healthcheck"}, lookup(map[string]string{"PORT": strconv.Itoa(p.port)}), &out, &errb)
	assert.Equal(t, exitOK, code, errb.String())
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	assert.Equal(t, exitOK, p.wait(t, 10*time.Second))
}

// TestMain removes the binary built for the end-to-end tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
