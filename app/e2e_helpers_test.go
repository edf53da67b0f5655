package main

import (
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
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Helpers of the end-to-end tests: the real binary, built once per test
// process, started with the environment ECS would give it, against the
// test servers of the current mode (GARCON_TEST_MODE plain or tls).

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

// serveSetup says where the binary finds its dependencies.
type serveSetup struct {
	dbURL     string // master credentials and database (default: a new test database)
	dbAddr    string // host:port the app is told (default: the database URL's)
	redisAddr string // default: the test Redis
	env       []string
	noWait    bool // return at once instead of waiting until /health is 200
}

// modeEnv is the TLS part of the environment: in TLS mode the production
// settings (verify-full against the test CA, Redis TLS + AUTH). The binary
// trusts the test CA for Redis through SSL_CERT_FILE, the standard Go (and
// OpenSSL) override of the system roots; in production ElastiCache presents
// a certificate that chains to the image's system roots.
func modeEnv() []string {
	if !testsupport.TLS() {
		return []string{"DB_SSLMODE=disable", "REDIS_TLS=false", "REDIS_AUTH_TOKEN=" + testsupport.RedisPassword()}
	}
	return []string{
		"DB_SSLMODE=verify-full", "DB_SSLROOTCERT=" + testsupport.CAFile(),
		"REDIS_TLS=true", "REDIS_AUTH_TOKEN=" + testsupport.RedisPassword(),
		"SSL_CERT_FILE=" + testsupport.CAFile(),
	}
}

// credentialsJSON is DB_CREDENTIALS as ECS injects it: the whole secret.
func credentialsJSON(t *testing.T, user, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"username": user, "password": password, "engine": "postgres", "port": 5432})
	require.NoError(t, err)
	return string(b)
}

// serveEnv is the complete environment of `garcon serve` for setup s.
func serveEnv(t *testing.T, s serveSetup, port int) []string {
	t.Helper()
	u, err := url.Parse(s.dbURL)
	require.NoError(t, err)
	pass, _ := u.User.Password()
	dbHost, dbPort, err := net.SplitHostPort(s.dbAddr)
	require.NoError(t, err)
	redisHost, redisPort, err := net.SplitHostPort(s.redisAddr)
	require.NoError(t, err)
	env := []string{
		"HOME=" + t.TempDir(),
		"ENVIRONMENT=staging",
		"PORT=" + strconv.Itoa(port),
		"DB_WRITER_HOST=" + dbHost,
		"DB_READER_HOST=" + dbHost,
		"DB_PORT=" + dbPort,
		"DB_NAME=" + strings.TrimPrefix(u.Path, "/"),
		"DB_CREDENTIALS=" + credentialsJSON(t, u.User.Username(), pass),
		// No IAM locally: the serving pools use DB_CREDENTIALS.
		"DB_AUTH=password",
		"REDIS_HOST=" + redisHost,
		"REDIS_PORT=" + redisPort,
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
	}
	env = append(env, modeEnv()...)
	return append(env, s.env...)
}

// startServe runs `garcon serve` against a fresh database and the shared
// Redis, and waits until /livez answers.
func startServe(t *testing.T, extraEnv ...string) *proc {
	t.Helper()
	return startServeWith(t, serveSetup{env: extraEnv})
}

func startServeWith(t *testing.T, s serveSetup) *proc {
	t.Helper()
	if s.redisAddr == "" {
		testsupport.RequireRedis(t)
		s.redisAddr = testsupport.RedisAddr()
	}
	if s.dbURL == "" {
		s.dbURL = testsupport.NewDatabase(t)
	}
	if s.dbAddr == "" {
		s.dbAddr = testsupport.HostPort(t, s.dbURL)
	}
	p := &proc{port: freePort(t), stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan error, 1)}
	p.cmd = exec.Command(buildBinary(t), "serve")
	p.cmd.Env = serveEnv(t, s, p.port)
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
	if !s.noWait {
		p.waitLive(t, 30*time.Second)
		p.waitHealthy(t, 30*time.Second)
	}
	return p
}

// waitHealthy waits until /health answers 200 (migrations applied, writer
// reachable).
func (p *proc) waitHealthy(t *testing.T, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return p.status(t, "/health") == http.StatusOK }, within, 20*time.Millisecond,
		"serve did not become healthy in %s", within)
}

// waitLive waits until /livez answers 200.
func (p *proc) waitLive(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if p.status(t, "/livez") == http.StatusOK {
			return
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("serve exited before listening: %v\nstderr: %s\nstdout: %s", err, p.stderr.String(), p.stdout.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "serve did not answer /livez in %s", within)
		time.Sleep(20 * time.Millisecond)
	}
}

// status GETs path and returns the status code (0 when the request failed).
func (p *proc) status(t *testing.T, path string) int {
	t.Helper()
	code, _ := p.get(t, path)
	return code
}

// get GETs path with a short timeout and returns status and body.
func (p *proc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	res, err := c.Get(p.url(path))
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// running reports whether the process is still alive.
func (p *proc) running() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return false
	default:
		return true
	}
}

func (p *proc) url(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(p.port) + path
}

func (p *proc) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
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

// nonJSONLines returns the lines of out that are not JSON objects.
func nonJSONLines(out string) []string {
	var bad []string
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			bad = append(bad, line)
		}
	}
	return bad
}

func splitHostPort(addr string) (string, string, error) { return net.SplitHostPort(addr) }
