package cache

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/testsupport"
)

// Integration tests against the real Redis of .ci/services.sh.

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// redisCA trusts the test CA in TLS mode.
func redisCA(t *testing.T) []ClientOption {
	if !testsupport.TLS() {
		return nil
	}
	return []ClientOption{WithRootCAs(testsupport.RootCAs(t))}
}

func newCache(t *testing.T, client *redis.Client, ttl time.Duration) (*MenuCache, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	c := NewMenuCache(client, testsupport.KeyPrefix(t), ttl, slog.New(slog.NewJSONHandler(logs, nil)))
	return c, logs
}

func TestPutGetAndTTL(t *testing.T) {
	admin := testsupport.RequireRedis(t)
	c, _ := newCache(t, admin, 45*time.Second)
	ctx := context.Background()
	id := testsupport.RandomID()

	_, _, ok := c.Get(ctx, id)
	assert.False(t, ok, "empty cache misses")

	require.True(t, c.Put(ctx, id, 3, []byte(`{"v":3}`)))
	v, body, ok := c.Get(ctx, id)
	require.True(t, ok)
	assert.Equal(t, int64(3), v)
	assert.JSONEq(t, `{"v":3}`, string(body))

	ttl, err := admin.PTTL(ctx, c.Key(id)).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 40*time.Second)
	assert.LessOrEqual(t, ttl, 45*time.Second)
}

func TestOlderVersionNeverReplacesNewer(t *testing.T) {
	admin := testsupport.RequireRedis(t)
	c, _ := newCache(t, admin, time.Minute)
	ctx := context.Background()
	id := testsupport.RandomID()

	require.True(t, c.Put(ctx, id, 5, []byte(`{"v":5}`)))
	// A lagging replica read, or a slower concurrent writer, arrives late.
	require.True(t, c.Put(ctx, id, 4, []byte(`{"v":4}`)))
	v, body, ok := c.Get(ctx, id)
	require.True(t, ok)
	assert.Equal(t, int64(5), v)
	assert.JSONEq(t, `{"v":5}`, string(body))

	require.True(t, c.Put(ctx, id, 6, []byte(`{"v":6}`)))
	v, _, _ = c.Get(ctx, id)
	assert.Equal(t, int64(6), v)

	c.Delete(ctx, id)
	_, _, ok = c.Get(ctx, id)
	assert.False(t, ok)
	n, err := admin.Exists(ctx, c.Key(id)).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestForeignValueIsAMissAndRemoved(t *testing.T) {
	admin := testsupport.RequireRedis(t)
	c, _ := newCache(t, admin, time.Minute)
	ctx := context.Background()
	id := testsupport.RandomID()
	require.NoError(t, admin.Set(ctx, c.Key(id), "not-a-versioned-value", time.Minute).Err())

	_, _, ok := c.Get(ctx, id)
	assert.False(t, ok)
	n, err := admin.Exists(ctx, c.Key(id)).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "corrupt entry deleted")
}

// Redis "partitioned" behind a proxy: operations must fail fast (bounded by
// the op timeout), count as misses, log once, and bypass Redis during the
// cool-down; after the partition heals the cache works again.
func TestOutageIsFastMissAndRecovers(t *testing.T) {
	testsupport.RequireRedis(t)
	proxy := testsupport.NewProxy(t, testsupport.RedisAddr())
	// The production client construction (TLS + AUTH in TLS mode), pointed
	// at the proxy.
	client := NewClient(testsupport.RedisConfig(t, proxy.Addr()), redisCA(t)...)
	t.Cleanup(func() { _ = client.Close() })

	c, logs := newCache(t, client, time.Minute)
	c.cooldown = 500 * time.Millisecond
	ctx := context.Background()
	id := testsupport.RandomID()
	require.True(t, c.Put(ctx, id, 1, []byte(`{"v":1}`)))

	proxy.Cut()
	start := time.Now()
	_, _, ok := c.Get(ctx, id)
	assert.False(t, ok, "unreachable Redis is a miss")
	assert.Less(t, time.Since(start), 600*time.Millisecond, "bounded by the op timeout")

	// Within the cool-down Redis is not even tried: instant.
	start = time.Now()
	for i := 0; i < 100; i++ {
		_, _, ok = c.Get(ctx, id)
		assert.False(t, ok)
		assert.False(t, c.Put(ctx, id, 2, []byte(`{"v":2}`)))
	}
	assert.Less(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, 1, strings.Count(logs.String(), "redis unavailable"), "one log line per cool-down: %s", logs.String())

	proxy.Restore()
	time.Sleep(c.cooldown + 50*time.Millisecond)
	require.Eventually(t, func() bool {
		_, _, ok := c.Get(ctx, id)
		return ok
	}, 5*time.Second, 100*time.Millisecond, "cache serves again after the partition heals")
}
