// Package cache is the Redis (ElastiCache) side of the service: client
// construction and the menu cache.
//
// The cache is an optimisation, never a dependency: every error is logged and
// reported to the caller as a miss, and after an error Redis is bypassed for a
// short cool-down so that an outage costs one timeout per second instead of
// one per request.
package cache

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/garcon/infrastructure/app/internal/config"
)

// ClientOption adjusts NewClient.
type ClientOption func(*redis.Options)

// WithRootCAs verifies the Redis server certificate against pool instead of
// the system roots (tests with their own CA; ElastiCache certificates chain
// to public roots, which the image's system store holds).
func WithRootCAs(pool *x509.CertPool) ClientOption {
	return func(o *redis.Options) {
		if o.TLSConfig != nil {
			o.TLSConfig.RootCAs = pool
		}
	}
}

// NewClient builds a go-redis client for the configured Redis. It does not
// connect: the service must start even while Redis is unavailable.
func NewClient(rc config.Redis, options ...ClientOption) *redis.Client {
	opts := &redis.Options{
		Addr:     net.JoinHostPort(rc.Host, strconv.Itoa(rc.Port)),
		Password: rc.AuthToken.Reveal(),
		// RESP2 works on every Redis/ElastiCache version.
		Protocol: 2,
		// Short timeouts: a cache that answers slowly is worse than none.
		DialTimeout:           time.Second,
		DialerRetries:         1,
		DialerRetryTimeout:    50 * time.Millisecond,
		ReadTimeout:           250 * time.Millisecond,
		WriteTimeout:          250 * time.Millisecond,
		ContextTimeoutEnabled: true,
		PoolSize:              32,
		MinIdleConns:          2,
		PoolTimeout:           500 * time.Millisecond,
		MaxRetries:            1,
		ConnMaxIdleTime:       5 * time.Minute,
		// CLIENT SETINFO and CLIENT MAINT_NOTIFICATIONS are not supported by
		// every ElastiCache engine version; skip both.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	if rc.TLS {
		opts.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			ServerName: rc.Host,
		}
	}
	for _, o := range options {
		o(opts)
	}
	return redis.NewClient(opts)
}

// DefaultPrefix namespaces the menu keys in a Redis shared by several
// services; tests use their own prefix.
const DefaultPrefix = "garcon:menu:"

// Cool-down after a Redis error, and the per-operation time limit.
const (
	DefaultCooldown  = time.Second
	DefaultOpTimeout = 150 * time.Millisecond
)

// setIfNewer stores ARGV[2] unless the key already holds a value whose
// version (the decimal before the first newline) is >= ARGV[1]. A menu read
// from a lagging replica, or a slower concurrent write, therefore never
// replaces a newer cached copy.
var setIfNewer = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local nl = string.find(cur, '\n', 1, true)
  if nl then
    local v = tonumber(string.sub(cur, 1, nl - 1))
    if v and v >= tonumber(ARGV[1]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// MenuCache caches rendered menu JSON keyed by restaurant id.
type MenuCache struct {
	client    *redis.Client
	prefix    string
	ttl       time.Duration
	opTimeout time.Duration
	cooldown  time.Duration
	logger    *slog.Logger
	// bypassUntil is a UnixNano deadline; while now < bypassUntil Redis is
	// not called at all.
	bypassUntil atomic.Int64
}

// NewMenuCache returns a cache using client; ttl is MENU_CACHE_TTL.
func NewMenuCache(client *redis.Client, prefix string, ttl time.Duration, logger *slog.Logger) *MenuCache {
	return &MenuCache{
		client:    client,
		prefix:    prefix,
		ttl:       ttl,
		opTimeout: DefaultOpTimeout,
		cooldown:  DefaultCooldown,
		logger:    logger,
	}
}

// Key returns the Redis key of a restaurant's menu.
func (c *MenuCache) Key(restaurantID int64) string {
	return c.prefix + strconv.FormatInt(restaurantID, 10)
}

// TTL is the expiry set on cached menus.
func (c *MenuCache) TTL() time.Duration { return c.ttl }

func (c *MenuCache) bypassed() bool {
	return time.Now().UnixNano() < c.bypassUntil.Load()
}

// failed logs a Redis error and opens the bypass window. Only the request
// that opens the window logs, so an outage produces about one line per
// cool-down instead of one per request.
func (c *MenuCache) failed(ctx context.Context, op string, id int64, err error) {
	now := time.Now().UnixNano()
	prev := c.bypassUntil.Load()
	if now < prev {
		return
	}
	if c.bypassUntil.CompareAndSwap(prev, now+int64(c.cooldown)) {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "redis unavailable, serving menus from PostgreSQL",
			slog.String("op", op), slog.Int64("restaurant_id", id),
			slog.String("error", err.Error()), slog.Duration("bypass", c.cooldown))
	}
}

// Get returns the cached menu JSON and its version. ok is false on a miss,
// on any Redis error (logged) and while Redis is bypassed.
func (c *MenuCache) Get(ctx context.Context, restaurantID int64) (version int64, body []byte, ok bool) {
	if c.bypassed() {
		return 0, nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	raw, err := c.client.Get(ctx, c.Key(restaurantID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return 0, nil, false
	}
	if err != nil {
		c.failed(ctx, "get", restaurantID, err)
		return 0, nil, false
	}
	version, body, ok = decode(raw)
	if !ok {
		// A foreign or truncated value: treat as a miss; the next Put
		// overwrites it only if it is newer, so delete it.
		c.Delete(ctx, restaurantID)
	}
	return version, body, ok
}

// Put stores body for restaurantID unless a newer version is cached. It
// reports whether Redis was reached; errors are logged, never returned,
// because the caller already has the data.
func (c *MenuCache) Put(ctx context.Context, restaurantID, version int64, body []byte) bool {
	if c.bypassed() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	err := setIfNewer.Run(ctx, c.client, []string{c.Key(restaurantID)},
		version, encode(version, body), c.ttl.Milliseconds()).Err()
	if err != nil {
		c.failed(ctx, "put", restaurantID, err)
		return false
	}
	return true
}

// Delete removes a cached menu. It ignores the bypass window: an
// invalidation is worth one more attempt.
func (c *MenuCache) Delete(ctx context.Context, restaurantID int64) {
	ctx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.client.Del(ctx, c.Key(restaurantID)).Err(); err != nil {
		c.failed(ctx, "delete", restaurantID, err)
	}
}

// Ping checks Redis for the health endpoint (not subject to the bypass).
func (c *MenuCache) Ping(ctx context.Context) error {
	return c.client.Ping(ctx).Err()
}

func encode(version int64, body []byte) []byte {
	out := make([]byte, 0, len(body)+21)
	out = strconv.AppendInt(out, version, 10)
	out = append(out, '\n')
	return append(out, body...)
}

func decode(raw []byte) (int64, []byte, bool) {
	for i, b := range raw {
		if b == '\n' {
			v, err := strconv.ParseInt(string(raw[:i]), 10, 64)
			if err != nil || v <= 0 {
				return 0, nil, false
			}
			return v, raw[i+1:], true
		}
		if i > 20 {
			break
		}
	}
	return 0, nil, false
}
