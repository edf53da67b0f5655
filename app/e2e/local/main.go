// Command local runs the black-box E2E suite (package e2e) against the real binary
// started on loopback, the way CI (.ci/run, ci.yml) checks the suite before any deploy
// runs it against an environment.
//
// Run from app/ after `make services` (the repository root's `make e2e-local` does both):
//
//	go run ./e2e/local [go test flags, e.g. -run TestHealth]
//
// It builds `garcon`, creates a fresh database on the test PostgreSQL of the mode
// (GARCON_TEST_MODE=plain or tls, settings as for the integration tests: the environment,
// then .tools/services.env), starts `garcon serve` with the environment ECS gives it
// (TLS mode: verify-full PostgreSQL, Redis TLS + AUTH), waits for /health, seeds one
// restaurant's menu through the API with an admin token, then runs
// `go test -count=1 -v ./e2e` with GARCON_E2E_BASE_URL and GARCON_E2E_RESTAURANT_ID set.
// The server is stopped with SIGTERM and the database dropped afterwards. The exit status
// is the suite's; on failure the server's log is printed.
package main

import (
	"bytes"
	"context"
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
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// jwtSecret is the HS256 key the local server is given; only this process signs with it.
const jwtSecret = "e2e-local-secret-e2e-local-secret-0123" //nolint:gosec // a throwaway key for a loopback server

func main() { os.Exit(run(os.Args[1:])) }

func run(testArgs []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := requireServices(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-local:", err)
		return 1
	}
	dbURL, drop, err := createDatabase(ctx, testsupport.DatabaseURL())
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-local:", err)
		return 1
	}
	defer drop()
	srv, err := startServer(ctx, dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-local:", err)
		return 1
	}
	defer srv.stop()
	id := testsupport.RandomID()
	if err := seedMenu(ctx, srv.baseURL, id); err != nil {
		fmt.Fprintf(os.Stderr, "e2e-local: %v\nserver log:\n%s", err, srv.log.String())
		return 1
	}
	fmt.Printf("e2e-local: garcon serve (%s mode) at %s, restaurant %d seeded\n", testsupport.Mode(), srv.baseURL, id)
	status := runSuite(ctx, srv.baseURL, id, testArgs)
	if status != 0 {
		fmt.Fprintf(os.Stderr, "e2e-local: the suite failed; server log:\n%s", srv.log.String())
	}
	return status
}

// requireServices fails with the services script's hint when a setting is missing.
func requireServices() error {
	if testsupport.DatabaseURL() == "" || testsupport.RedisAddr() == "" {
		return fmt.Errorf("no test PostgreSQL/Redis for %s mode: run `make services` (or set GARCON_TEST_* as for the integration tests)", testsupport.Mode())
	}
	if testsupport.TLS() && testsupport.CAFile() == "" {
		return errors.New("tls mode needs the services' CA (GARCON_TEST_TLS_CA): run `make services`")
	}
	return nil
}

// createDatabase creates an empty database next to base's and returns its URL and a
// function that drops it.
func createDatabase(ctx context.Context, base string) (string, func(), error) {
	name := fmt.Sprintf("garcon_e2e_%d_%x", time.Now().Unix(), testsupport.RandomID()&0xffffff)
	execSQL := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("connect to the test PostgreSQL: %w", err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := execSQL(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, fmt.Errorf("create database %s (the test role needs CREATEDB; run `make services`): %w", name, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := execSQL(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "e2e-local: drop database %s: %v\n", name, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("parse the test database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// server is a running `garcon serve`.
type server struct {
	cmd     *exec.Cmd
	baseURL string
	log     *bytes.Buffer
	done    chan error
}

// startServer builds the binary, starts it against dbURL and the test Redis, and waits
// until /health answers 200.
func startServer(ctx context.Context, dbURL string) (*server, error) {
	bin, err := build(ctx)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env, err := serveEnv(dbURL, port)
	if err != nil {
		return nil, err
	}
	s := &server{baseURL: "http://127.0.0.1:" + strconv.Itoa(port), log: &bytes.Buffer{}, done: make(chan error, 1)}
	// Not CommandContext: the server must get SIGTERM and drain, not be killed with ctx.
	s.cmd = exec.Command(bin, "serve") //nolint:gosec,noctx // the binary this process just built
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start garcon serve: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitHealthy(ctx, time.Minute); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, s.log.String())
	}
	return s, nil
}

// build compiles the API (the current directory must be app/) into a temporary file.
func build(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "garcon-e2e-local-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "garcon")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput() //nolint:gosec // a temporary path this process chose
	if err != nil {
		return "", fmt.Errorf("go build (run from app/): %w\n%s", err, out)
	}
	return bin, nil
}

func freePort() (int, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// serveEnv is the environment ECS gives the container, pointed at the local servers
// (DB_AUTH=password: a local PostgreSQL has no IAM authentication).
func serveEnv(dbURL string, port int) ([]string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	password, _ := u.User.Password()
	creds, err := json.Marshal(map[string]any{"username": u.User.Username(), "password": password, "engine": "postgres"})
	if err != nil {
		return nil, err
	}
	redisHost, redisPort, err := net.SplitHostPort(testsupport.RedisAddr())
	if err != nil {
		return nil, fmt.Errorf("test Redis address: %w", err)
	}
	dbPort := u.Port()
	if dbPort == "" {
		dbPort = "5432"
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"ENVIRONMENT=e2e", "PORT=" + strconv.Itoa(port),
		"DB_WRITER_HOST=" + u.Hostname(), "DB_READER_HOST=" + u.Hostname(), "DB_PORT=" + dbPort,
		"DB_NAME=" + strings.TrimPrefix(u.Path, "/"), "DB_CREDENTIALS=" + string(creds), "DB_AUTH=password",
		"REDIS_HOST=" + redisHost, "REDIS_PORT=" + redisPort, "REDIS_AUTH_TOKEN=" + testsupport.RedisPassword(),
		"UPLOADS_BUCKET=garcon-uploads-e2e", "AWS_REGION=eu-west-3",
		"JWT_SECRET=" + jwtSecret, "STRIPE_API_KEY=sk_test_e2e", "GOOGLE_MAPS_API_KEY=maps-e2e",
		// Presigning needs credentials but makes no AWS call.
		"AWS_ACCESS_KEY_ID=AKIDE2ELOCAL", "AWS_SECRET_ACCESS_KEY=e2e-local", "AWS_EC2_METADATA_DISABLED=true",
	}
	if testsupport.TLS() {
		return append(env, "DB_SSLMODE=verify-full", "DB_SSLROOTCERT="+testsupport.CAFile(),
			"REDIS_TLS=true", "SSL_CERT_FILE="+testsupport.CAFile()), nil
	}
	return append(env, "DB_SSLMODE=disable", "REDIS_TLS=false"), nil
}

func (s *server) waitHealthy(ctx context.Context, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		if code, _ := get(ctx, s.baseURL+"/health"); code == http.StatusOK {
			return nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("garcon serve exited before it was healthy: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("garcon serve was not healthy within %s", within)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM (the drain ECS relies on) and waits, then kills.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		logExit(err)
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		logExit(<-s.done)
	}
}

// logExit reports an unclean server exit; it is not the suite's result.
func logExit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-local: garcon serve stopped:", err)
	}
}

func get(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// seedMenu PUTs a small menu for restaurant id with an admin token, as an operator would.
func seedMenu(ctx context.Context, baseURL string, id int64) error {
	token, err := auth.Sign([]byte(jwtSecret), "garcon-api", "e2e-seed", true, 10*time.Minute)
	if err != nil {
		return err
	}
	body := `{"currency":"EUR","sections":[{"name":"Plats","items":[{"name":"Steak frites","price_cents":2450,"available":true}]}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, fmt.Sprintf("%s/v1/restaurants/%d/menu", baseURL, id), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("seed restaurant %d: %w", id, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("seed restaurant %d: PUT answered %d: %s", id, res.StatusCode, b)
	}
	return nil
}

// runSuite runs the E2E package against baseURL and returns go test's exit status.
func runSuite(ctx context.Context, baseURL string, id int64, args []string) int {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-v", "./e2e"}, args...)...) //nolint:gosec // flags from the developer's command line
	cmd.Env = append(os.Environ(),
		"GARCON_E2E_BASE_URL="+baseURL,
		"GARCON_E2E_RESTAURANT_ID="+strconv.FormatInt(id, 10),
		"GARCON_E2E_STATIC_URL=")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "e2e-local: go test:", err)
		return 1
	}
}
