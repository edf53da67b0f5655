package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

const e2eJWTSecret = "e2e-secret-e2e-secret-e2e-secret-0123"

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary compiles the command once per test process (the packages are
// already in the build cache from compiling this test, so it only links).
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "garcon-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "garcon")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

type proc struct {
	cmd    *exec.Cmd
	port   int
	stdout *syncBuf
	stderr *syncBuf
	done   chan error
}

// startServe runs `garcon serve` against a fresh database and the shared
// Redis, and waits until /livez answers.
func startServe(t *testing.T, extraEnv ...string) *proc {
	t.Helper()
	testsupport.RequireRedis(t)
	dbURL := testsupport.NewDatabase(t)
	bin := buildBinary(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	pass, _ := u.User.Password()
	creds, err := json.Marshal(map[string]any{"username": u.User.Username(), "password": pass, "engine": "postgres", "port": 5432})
	require.NoError(t, err)
	redisHost, redisPort, err := net.SplitHostPort(testsupport.RedisOptions().Addr)
	require.NoError(t, err)
	dbPort := u.Port()
	if dbPort == "" {
		dbPort = "5432"
	}

	p := &proc{port: freePort(t), stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append([]string{
		"HOME=" + t.TempDir(),
		"ENVIRONMENT=staging",
		"PORT=" + strconv.Itoa(p.port),
		"DB_WRITER_HOST=" + u.Hostname(),
		"DB_READER_HOST=" + u.Hostname(),
		"DB_PORT=" + dbPort,
		"DB_NAME=" + strings.TrimPrefix(u.Path, "/"),
		"DB_CREDENTIALS=" + string(creds),
		"DB_SSLMODE=disable",
		"REDIS_HOST=" + redisHost,
		"REDIS_PORT=" + redisPort,
		"REDIS_TLS=false",
		"REDIS_AUTH_TOKEN=" + testsupport.RedisOptions().Password,
		"UPLOADS_BUCKET=garcon-uploads-test",
		"AWS_REGION=eu-west-1",
		"JWT_SECRET=" + e2eJWTSecret,
		"STRIPE_API_KEY=sk_test_e2e",
		"GOOGLE_MAPS_API_KEY=maps-e2e",
		"SHUTDOWN_TIMEOUT=10s",
		// Presigning needs credentials but makes no AWS call.
		"AWS_ACCESS_KEY_ID=AKIDE2E",
		"AWS_SECRET_ACCESS_KEY=e2e-secret",
		"AWS_EC2_METADATA_DISABLED=true",
	}, extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			err := <-p.done
			t.Logf("killed leftover serve process: %v", err)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(p.url("/livez"))
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("serve exited before listening: %v\nstderr: %s\nstdout: %s", err, p.stderr.String(), p.stdout.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "serve did not answer /livez in 30s")
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) url(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(p.port) + path
}

func (p *proc) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(within):
		t.Fatalf("process still running after %s", within)
		return -1
	}
}

func adminToken(t *testing.T) string {
	t.Helper()
	tok, err := auth.Sign([]byte(e2eJWTSecret), "owner-e2e", true, time.Hour)
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
