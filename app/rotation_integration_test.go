package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/cache"
	"github.com/garcon/infrastructure/app/internal/config"
	"github.com/garcon/infrastructure/app/internal/store"
	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Credential rotation under load must be invisible. The service runs in
// process (serveWith, the code of `garcon serve`) with DB_AUTH=iam; the one
// seam replaced is the token source: locally there is no IAM, so a stand-in
// returns the app role's CURRENT password, fetched per new connection —
// exactly the property IAM tokens rely on.

// Bound: at most 0.5 % of requests may fail, and only within
// rotationGrace of a rotation (the first reconnect); none afterwards.
const (
	rotationMaxFailRatio = 0.005
	rotationGrace        = time.Second
	rotationRate         = 250 // requests per second, 70 % uncached reads, 30 % writes
	rotationDuration     = 15 * time.Second
)

// currentPassword is the local stand-in of store.IAMTokenSource.
type currentPassword struct {
	user, host string
	port       uint16
	mu         sync.Mutex
	password   string
	calls      atomic.Int64
	wrong      atomic.Int64 // calls for another user, host or port
}

func (c *currentPassword) set(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.password = p
}

func (c *currentPassword) Password(_ context.Context, host string, port uint16, user string) (string, error) {
	c.calls.Add(1)
	if user != c.user || host != c.host || port != c.port {
		c.wrong.Add(1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password, nil
}

type outcome struct {
	at time.Time
	ok bool
	// what failed, for the report
	what string
}

// runLoad sends rate requests/s for d (open loop, at most 64 in flight) and
// returns every outcome. It stops by itself.
func runLoad(rate int, d time.Duration, do func(i int) (bool, string)) []outcome {
	var (
		mu  sync.Mutex
		out []outcome
		wg  sync.WaitGroup
	)
	sem := make(chan struct{}, 64)
	interval := time.Second / time.Duration(rate)
	begin := time.Now()
	for i := 0; i < int(d/interval); i++ {
		if w := time.Until(begin.Add(time.Duration(i) * interval)); w > 0 {
			time.Sleep(w)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok, what := do(i)
			mu.Lock()
			out = append(out, outcome{at: time.Now(), ok: ok, what: what})
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// startInProcess runs serveWith with env and the stand-in; it returns the
// base URL and a channel that receives the exit code.
func startInProcess(t *testing.T, env map[string]string, src store.CredentialSource) (string, <-chan int, *syncBuf) {
	t.Helper()
	port := freePort(t)
	env["PORT"] = strconv.Itoa(port)
	hooks := serveHooks{credentials: func(config.Config, awsCredentials) (store.CredentialSource, error) { return src, nil }}
	if testsupport.TLS() {
		hooks.redisOptions = []cache.ClientOption{cache.WithRootCAs(testsupport.RootCAs(t))}
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuf{}, &syncBuf{}
	exit := make(chan int, 1)
	go func() { exit <- serveWith(ctx, config.MapLookup(env), stdout, stderr, hooks) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exit:
		case <-time.After(15 * time.Second):
			t.Error("in-process server did not stop")
		}
		if t.Failed() {
			t.Logf("stdout (last 4 KiB): %s\nstderr: %s", tail(stdout.String(), 4096), stderr.String())
		}
	})
	return "http://127.0.0.1:" + strconv.Itoa(port), exit, stdout
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func rotationEnv(t *testing.T, m testsupport.MasterDB, app string) map[string]string {
	t.Helper()
	host, port, err := splitHostPort(testsupport.HostPort(t, m.MasterURL))
	require.NoError(t, err)
	env := map[string]string{
		"ENVIRONMENT": "staging", "DB_WRITER_HOST": host, "DB_READER_HOST": host, "DB_PORT": port,
		"DB_NAME": m.Name, "DB_CREDENTIALS": credentialsJSON(t, m.Master, m.Password),
		"DB_AUTH": "iam", "DB_APP_USER": app,
		"UPLOADS_BUCKET": "garcon-uploads-test", "AWS_REGION": "eu-west-1", "JWT_SECRET": e2eJWTSecret,
		"STRIPE_API_KEY": "sk_test", "GOOGLE_MAPS_API_KEY": "maps", "SHUTDOWN_TIMEOUT": "5s",
	}
	for _, kv := range modeEnv() {
		k, v, _ := strings.Cut(kv, "=")
		if k != "SSL_CERT_FILE" { // in process: the Redis CA comes through hooks
			env[k] = v
		}
	}
	redisHost, redisPort, err := splitHostPort(testsupport.RedisAddr())
	require.NoError(t, err)
	env["REDIS_HOST"], env["REDIS_PORT"] = redisHost, redisPort
	return env
}

func TestRotationUnderLoadIsInvisible(t *testing.T) {
	testsupport.RequireRedis(t)
	app := fmt.Sprintf("garcon_app_%x", testsupport.RandomID()&0xffffffff)
	testsupport.DropRoleAtCleanup(t, app)
	m := testsupport.NewMasterDatabase(t)
	env := rotationEnv(t, m, app)
	port, err := strconv.Atoi(env["DB_PORT"])
	require.NoError(t, err)
	src := &currentPassword{user: app, host: env["DB_WRITER_HOST"], port: uint16(port)} //nolint:gosec // a port fits
	base, exit, stdout := startInProcess(t, env, src)

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, m.AdminURL)
	require.NoError(t, err)
	defer func() { _ = admin.Close(ctx) }()
	// The migrations (as the master) create the app role; locally it gets a
	// password, which the stand-in hands out (on RDS: rds_iam + a token).
	require.Eventually(t, func() bool {
		var ok bool
		_ = admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, app).Scan(&ok)
		return ok
	}, 20*time.Second, 50*time.Millisecond, "the migrations did not create the app role")
	require.NoError(t, testsupport.SetPassword(ctx, admin, app, "app-pass-1"))
	src.set("app-pass-1")
	client := &http.Client{Timeout: 5 * time.Second}
	require.Eventually(t, func() bool { return httpStatus(client, base+"/health") == http.StatusOK }, 20*time.Second, 50*time.Millisecond)

	token := adminToken(t)
	seed := testsupport.RandomID() >> 8
	do := func(i int) (bool, string) {
		id := strconv.FormatInt(seed+int64(i), 10)
		if i%10 < 3 { // write
			req, _ := http.NewRequest(http.MethodPut, base+"/v1/restaurants/"+id+"/menu", strings.NewReader(menuJSON("Dish "+id)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			return expect(client, req, http.StatusOK)
		}
		// Uncached read: a restaurant nobody wrote, so PostgreSQL answers.
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/restaurants/"+id+"/menu", nil)
		return expect(client, req, http.StatusNotFound)
	}

	rot := &rotations{}
	go rot.run(t, admin, m, app, src)
	outcomes := runLoad(rotationRate, rotationDuration, do)
	<-rot.done()
	require.Len(t, rot.events, 2)
	failed, late, samples := classify(outcomes, rot.events)
	ratio := float64(failed) / float64(len(outcomes))
	t.Logf("rotation under load: %d requests at %d/s, %d failed (%.3f%%, bound %.1f%%), %d outside the %s grace; credential fetches: %d before (a), %d before (b), %d at the end; samples %v",
		len(outcomes), rotationRate, failed, 100*ratio, 100*rotationMaxFailRatio, late, rotationGrace,
		rot.calls[0], rot.calls[1], src.calls.Load(), samples)
	assert.LessOrEqual(t, ratio, rotationMaxFailRatio)
	assert.Zero(t, late, "no failure after the first reconnect")
	assert.Greater(t, src.calls.Load(), rot.calls[1], "new connections fetched a fresh credential")
	assert.Zero(t, src.wrong.Load(), "credentials are requested for the app role at DB host:port")

	require.Eventually(t, func() bool { return httpStatus(client, base+"/health") == http.StatusOK }, 10*time.Second, 50*time.Millisecond)
	select {
	case code := <-exit:
		t.Fatalf("the server stopped (exit %d) during the rotation", code)
	default:
	}
	assert.NotContains(t, stdout.String(), "failed SASL auth")
}

// rotations performs (a) and (b) during the load and records when.
type rotations struct {
	events []time.Time
	calls  [2]int64 // credential fetches before each rotation
	ch     chan struct{}
	once   sync.Once
}

func (r *rotations) done() chan struct{} {
	r.once.Do(func() { r.ch = make(chan struct{}) })
	return r.ch
}

func (r *rotations) run(t *testing.T, admin *pgx.Conn, m testsupport.MasterDB, app string, src *currentPassword) {
	defer close(r.done())
	ctx := context.Background()
	time.Sleep(4 * time.Second)
	// (a) single-user rotation of the master password, ending every
	// session of the task (master and app role alike).
	r.events, r.calls[0] = append(r.events, time.Now()), src.calls.Load()
	assert.NoError(t, testsupport.SetPassword(ctx, admin, m.Master, "master-rotated-2", m.Master, app))
	time.Sleep(5 * time.Second)
	// (b) the app role's credential changes: only a credential fetched for
	// each new connection keeps working.
	r.events, r.calls[1] = append(r.events, time.Now()), src.calls.Load()
	assert.NoError(t, testsupport.SetPassword(ctx, admin, app, "app-pass-2"))
	src.set("app-pass-2")
	assert.NoError(t, testsupport.SetPassword(ctx, admin, app, "app-pass-2", app))
}

// classify counts failures, those outside the grace after every event, and
// keeps a few samples.
func classify(outcomes []outcome, events []time.Time) (failed, late int, samples []string) {
	for _, o := range outcomes {
		if o.ok {
			continue
		}
		failed++
		if len(samples) < 5 {
			samples = append(samples, o.what)
		}
		inGrace := false
		for _, e := range events {
			if o.at.After(e) && o.at.Sub(e) < rotationGrace {
				inGrace = true
			}
		}
		if !inGrace {
			late++
		}
	}
	return failed, late, samples
}

func httpStatus(c *http.Client, url string) int {
	res, err := c.Get(url)
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

func expect(c *http.Client, req *http.Request, want int) (bool, string) {
	res, err := c.Do(req)
	if err != nil {
		return false, err.Error()
	}
	_ = res.Body.Close()
	if res.StatusCode != want {
		return false, req.Method + " " + strconv.Itoa(res.StatusCode)
	}
	return true, ""
}
