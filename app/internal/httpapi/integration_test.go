package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	// Deprecated upstream without a successor the module proxy serves (README, "Tracing").
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws" //nolint:staticcheck // SA1019: still the AWS SDK's OpenTelemetry instrumentation
	"go.opentelemetry.io/contrib/propagators/aws/xray"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/cache"
	"github.com/garcon/infrastructure/app/internal/health"
	"github.com/garcon/infrastructure/app/internal/menu"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/store"
	"github.com/garcon/infrastructure/app/internal/testsupport"
	"github.com/garcon/infrastructure/app/internal/tracing"
	"github.com/garcon/infrastructure/app/internal/uploads"
)

// Integration tests: the real handler over real PostgreSQL and Redis. The
// writer, reader and Redis connections each go through their own TCP proxy,
// so a test can partition one dependency without touching the shared
// servers.

type liveEnv struct {
	url                                  string
	writerProxy, readerProxy, redisProxy *testsupport.Proxy
	redisAdmin                           *redis.Client
	cache                                *cache.MenuCache
	db                                   *pgxpool.Pool // direct, bypassing the proxies
	metrics                              *metrics.Recorder
	emf                                  *syncBuffer
	logs                                 *syncBuffer
	adminToken                           string
}

func newLiveEnv(t *testing.T) *liveEnv {
	t.Helper()
	return newLiveEnvTraced(t, nil)
}

// newLiveEnvTraced is newLiveEnv with the handler, both pools, Redis and the
// S3 client traced with tp, as serve wires them (nil: nothing traced).
func newLiveEnvTraced(t *testing.T, tp *tracing.Provider) *liveEnv {
	t.Helper()
	redisAdmin := testsupport.RequireRedis(t)
	dbURL := testsupport.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := store.Migrate(ctx, dbURL, 10*time.Second)
	require.NoError(t, err)

	pg := testsupport.HostPort(t, dbURL)
	e := &liveEnv{
		writerProxy: testsupport.NewProxy(t, pg),
		readerProxy: testsupport.NewProxy(t, pg),
		redisProxy:  testsupport.NewProxy(t, testsupport.RedisAddr()),
		redisAdmin:  redisAdmin,
		emf:         &syncBuffer{},
		logs:        &syncBuffer{},
	}
	pool := func(target string, opts store.PoolOptions) *pgxpool.Pool {
		cfg, err := store.NewPoolConfig(target, opts)
		require.NoError(t, err)
		if tp != nil {
			store.Instrument(cfg, tp)
		}
		p, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(p.Close)
		return p
	}
	writer := pool(testsupport.WithHostPort(t, dbURL, e.writerProxy.Addr()), store.WriterPoolOptions)
	reader := pool(testsupport.WithHostPort(t, dbURL, e.readerProxy.Addr()), store.ReaderPoolOptions)
	e.db = pool(dbURL, store.PoolOptions{MaxConns: 2})

	var redisOpts []cache.ClientOption
	if testsupport.TLS() {
		redisOpts = append(redisOpts, cache.WithRootCAs(testsupport.RootCAs(t)))
	}
	redisClient := cache.NewClient(testsupport.RedisConfig(t, e.redisProxy.Addr()), redisOpts...)
	t.Cleanup(func() { _ = redisClient.Close() })
	s3opts := s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	var handlerTracing *tracing.Provider
	if tp != nil {
		require.NoError(t, cache.Instrument(redisClient, tp))
		otelaws.AppendMiddlewares(&s3opts.APIOptions, otelaws.WithTracerProvider(tp), otelaws.WithTextMapPropagator(xray.Propagator{}))
		handlerTracing = tp
	}

	logger := slog.New(tracing.LogHandler(slog.NewJSONHandler(e.logs, nil)))
	e.cache = cache.NewMenuCache(redisClient, testsupport.KeyPrefix(t), 30*time.Second, logger)
	e.metrics = metrics.New("staging", e.emf)
	s3c := s3.New(s3opts)

	h := New(Deps{
		Logger:         logger,
		Menus:          menu.NewService(writer, reader, e.cache),
		Health:         health.NewServiceChecker(writer.Ping, reader.Ping, e.cache.Ping),
		Auth:           auth.NewVerifier(testSecret, testAudience),
		Uploads:        uploads.NewPresigner(s3c, "garcon-uploads-test"),
		UploadMaxBytes: 10 << 20,
		Metrics:        e.metrics,
		Tracing:        handlerTracing,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.adminToken = token(t, "owner-1", true, time.Hour)
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (e *liveEnv) call(t *testing.T, method, path, body string) resp {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.adminToken)
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: b, took: time.Since(start)}
}

func menuDoc(currency, item string, price int) string {
	return `{"currency":"` + currency + `","sections":[{"name":"Mains","items":[{"name":"` + item + `","price_cents":` + strconv.Itoa(price) + `}]}]}`
}

type menuBody struct {
	RestaurantID int64 `json:"restaurant_id"`
	Version      int64 `json:"version"`
	Currency     string
	Sections     []struct {
		Name  string
		Items []struct {
			Name       string
			PriceCents int64 `json:"price_cents"`
		}
	}
}

func decodeMenu(t *testing.T, r resp) menuBody {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var m menuBody
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

func TestMenuPutGetCacheAndInvalidation(t *testing.T) {
	e := newLiveEnv(t)
	ctx := context.Background()
	id := testsupport.RandomID()
	path := "/v1/restaurants/" + strconv.FormatInt(id, 10) + "/menu"

	// Unknown restaurant.
	r := e.call(t, "GET", path, "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, string(r.body), `"code":"not_found"`)

	// Create.
	m := decodeMenu(t, e.call(t, "PUT", path, menuDoc("EUR", "Steak frites", 2450)))
	assert.Equal(t, int64(1), m.Version)
	assert.Equal(t, id, m.RestaurantID)

	// Start from a cold cache: first GET misses and fills it.
	e.cache.Delete(ctx, id)
	r = e.call(t, "GET", path, "")
	assert.Equal(t, "miss", r.header.Get("X-Cache"))
	assert.Equal(t, "Steak frites", decodeMenu(t, r).Sections[0].Items[0].Name)

	ttl, err := e.redisAdmin.PTTL(ctx, e.cache.Key(id)).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 25*time.Second, "cached with MENU_CACHE_TTL")
	assert.LessOrEqual(t, ttl, 30*time.Second)

	// Change the row behind the API's back: a cached read must not see it.
	_, err = e.db.Exec(ctx, `UPDATE menus SET document = jsonb_set(document, '{currency}', '"USD"') WHERE restaurant_id = $1`, id)
	require.NoError(t, err)
	r = e.call(t, "GET", path, "")
	assert.Equal(t, "hit", r.header.Get("X-Cache"))
	assert.Equal(t, "EUR", decodeMenu(t, r).Currency, "served from Redis, not PostgreSQL")

	// A PUT replaces the cached copy at once.
	m = decodeMenu(t, e.call(t, "PUT", path, menuDoc("GBP", "Fish and chips", 1500)))
	assert.Equal(t, int64(2), m.Version)
	r = e.call(t, "GET", path, "")
	got := decodeMenu(t, r)
	assert.Equal(t, int64(2), got.Version)
	assert.Equal(t, "GBP", got.Currency)
	assert.Equal(t, "Fish and chips", got.Sections[0].Items[0].Name)
	assert.Equal(t, int64(1500), got.Sections[0].Items[0].PriceCents)

	// And the copy in Redis is that version.
	raw, err := e.redisAdmin.Get(ctx, e.cache.Key(id)).Result()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(raw, "2\n"), raw)

	// KPIs: 3 successful GETs, 2 updates.
	require.NoError(t, e.metrics.Flush())
	assert.Contains(t, e.emf.String(), `"MenuViews":3`)
	assert.Contains(t, e.emf.String(), `"MenuUpdates":2`)
}

func TestMenusServedFromPostgresWhenRedisIsDown(t *testing.T) {
	e := newLiveEnv(t)
	id := testsupport.RandomID()
	path := "/v1/restaurants/" + strconv.FormatInt(id, 10) + "/menu"
	decodeMenu(t, e.call(t, "PUT", path, menuDoc("EUR", "Soup", 800)))

	e.redisProxy.Cut()
	defer e.redisProxy.Restore()

	for i := 0; i < 5; i++ {
		r := e.call(t, "GET", path, "")
		assert.Equal(t, "miss", r.header.Get("X-Cache"))
		assert.Equal(t, "Soup", decodeMenu(t, r).Sections[0].Items[0].Name)
		assert.Less(t, r.took, time.Second, "a Redis outage costs at most one short timeout")
	}
	// Writes keep working and later reads see them (from PostgreSQL).
	m := decodeMenu(t, e.call(t, "PUT", path, menuDoc("EUR", "Salad", 900)))
	assert.Equal(t, int64(2), m.Version)
	assert.Equal(t, "Salad", decodeMenu(t, e.call(t, "GET", path, "")).Sections[0].Items[0].Name)

	// The outage is visible on /health as degraded, not as a failure.
	require.Eventually(t, func() bool {
		r := e.call(t, "GET", "/health", "")
		return r.status == http.StatusOK && strings.Contains(string(r.body), `"status":"degraded"`)
	}, 5*time.Second, 200*time.Millisecond)
	assert.Contains(t, e.logs.String(), "redis unavailable", "Redis errors are logged")
	assert.NotContains(t, e.logs.String(), `"status":500`)
}

type healthBody struct {
	Status string                   `json:"status"`
	Checks map[string]health.Result `json:"checks"`
}

func (e *liveEnv) health(t *testing.T) (resp, healthBody) {
	t.Helper()
	r := e.call(t, "GET", "/health", "")
	var hb healthBody
	require.NoError(t, json.Unmarshal(r.body, &hb), string(r.body))
	return r, hb
}

func TestHealthWriterPartitionGives503InTimeAndRecovers(t *testing.T) {
	e := newLiveEnv(t)
	r, hb := e.health(t)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.Equal(t, "ok", hb.Status)
	for _, name := range []string{health.CheckWriter, health.CheckReader, health.CheckRedis} {
		assert.Equal(t, "up", hb.Checks[name].Status, name)
	}

	e.writerProxy.Cut()
	// Every probe answers within the 1 s check timeout (plus slack), even
	// though the writer does not answer at all; the result turns to 503
	// once the cached healthy result (2 s) has expired.
	deadline := time.Now().Add(6 * time.Second)
	for {
		r, hb = e.health(t)
		assert.Less(t, r.took, 1500*time.Millisecond, "health must not hang on a dead database")
		if r.status == http.StatusServiceUnavailable {
			break
		}
		require.True(t, time.Now().Before(deadline), "no 503 while the writer is partitioned: %s", r.body)
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, "unavailable", hb.Status)
	assert.Equal(t, "down", hb.Checks[health.CheckWriter].Status)
	assert.Equal(t, "timeout", hb.Checks[health.CheckWriter].Error)
	assert.Equal(t, "up", hb.Checks[health.CheckReader].Status)

	// Many concurrent ALB probes share one check: all answer promptly.
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Go(func() {
			r := e.call(t, "GET", "/health", "")
			assert.Equal(t, http.StatusServiceUnavailable, r.status)
			assert.Less(t, r.took, 1500*time.Millisecond)
		})
	}
	wg.Wait()

	e.writerProxy.Restore()
	require.Eventually(t, func() bool {
		r, hb := e.health(t)
		return r.status == http.StatusOK && hb.Status == "ok"
	}, 10*time.Second, 200*time.Millisecond, "health recovers when the writer is back")
}

func TestReaderOutageDegradesAndFailsUncachedReadsWith503(t *testing.T) {
	e := newLiveEnv(t)
	id := testsupport.RandomID()
	path := "/v1/restaurants/" + strconv.FormatInt(id, 10) + "/menu"
	decodeMenu(t, e.call(t, "PUT", path, menuDoc("EUR", "Tart", 700)))

	e.readerProxy.Cut()
	defer e.readerProxy.Restore()

	// Cached reads still work (the PUT wrote through to Redis).
	r := e.call(t, "GET", path, "")
	assert.Equal(t, "hit", r.header.Get("X-Cache"))

	// An uncached read fails after the query timeout, as a retryable 503.
	e.cache.Delete(context.Background(), id)
	r = e.call(t, "GET", path, "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, string(r.body))
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Contains(t, string(r.body), `"code":"service_unavailable"`)
	assert.Less(t, r.took, menu.DefaultQueryTimeout+time.Second)

	require.Eventually(t, func() bool {
		r, hb := e.health(t)
		return r.status == http.StatusOK && hb.Status == "degraded" && hb.Checks[health.CheckReader].Status == "down"
	}, 6*time.Second, 200*time.Millisecond)
}
