package e2e

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment variables of the suite (see the package documentation).
const (
	envBaseURL    = "GARCON_E2E_BASE_URL"
	envRestaurant = "GARCON_E2E_RESTAURANT_ID"
	envStaticURL  = "GARCON_E2E_STATIC_URL"
)

// target is the environment under test.
type target struct {
	base       *url.URL
	restaurant string
	static     *url.URL // nil when not given
}

// targetFor skips the test when no environment is named, and fails it when the one named
// is incomplete.
func targetFor(t *testing.T) target {
	t.Helper()
	raw := os.Getenv(envBaseURL)
	if raw == "" {
		t.Skipf("%s is not set: the E2E suite runs against a running API. Locally: make e2e-local "+
			"(starts the binary on loopback); against an environment: %s=https://staging-api.garcon.app %s=<id> go test -v ./e2e",
			envBaseURL, envBaseURL, envRestaurant)
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	require.NoError(t, err, envBaseURL)
	require.Contains(t, []string{"http", "https"}, base.Scheme, "%s must be an http(s) URL", envBaseURL)
	tg := target{base: base, restaurant: os.Getenv(envRestaurant)}
	require.Regexp(t, `^[1-9][0-9]{0,18}$`, tg.restaurant,
		"%s must name a restaurant whose menu exists in %s (the deploy reads it from the environment's E2E_RESTAURANT_ID variable)", envRestaurant, raw)
	if s := os.Getenv(envStaticURL); s != "" {
		tg.static, err = url.Parse(strings.TrimRight(s, "/"))
		require.NoError(t, err, envStaticURL)
	}
	return tg
}

// deployedOnly skips checks that only a deployed environment can pass: loopback serves
// plain HTTP and the TLS, HSTS and redirects belong to the load balancer and CloudFront.
func (tg target) deployedOnly(t *testing.T) {
	t.Helper()
	if tg.base.Scheme != "https" {
		t.Skipf("%s is %s: TLS, HSTS and redirects are checked against a deployed (https) environment only", envBaseURL, tg.base)
	}
}

// response is what one request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// client does not follow redirects: the redirect is itself a check.
var client = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends one request; rawURL is absolute.
func do(t *testing.T, method, rawURL, body string, header map[string]string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, rawURL)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	require.NoError(t, err)
	t.Logf("%s %s -> %d", method, rawURL, res.StatusCode)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (tg target) api(path string) string { return tg.base.String() + path }

// requestID is a fresh X-Request-Id the API must echo in the header and the error body.
func requestID(t *testing.T) string {
	t.Helper()
	var b [8]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "e2e-" + hex.EncodeToString(b[:])
}

// errorBody is the API's one error shape: {"error":{"code","message","request_id"}}.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// assertError checks status, the JSON error shape, its code and the echoed request id.
func assertError(t *testing.T, res response, status int, code, id string) {
	t.Helper()
	assert.Equal(t, status, res.status, "status; body: %s", res.body)
	assert.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "application/json"), "Content-Type %q", res.header.Get("Content-Type"))
	var e errorBody
	dec := json.NewDecoder(strings.NewReader(string(res.body)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e), "error body %s", res.body)
	assert.Equal(t, code, e.Error.Code, "error.code")
	assert.NotEmpty(t, e.Error.Message, "error.message")
	assert.Equal(t, id, e.Error.RequestID, "error.request_id echoes X-Request-Id")
	assert.Equal(t, id, res.header.Get("X-Request-Id"), "X-Request-Id header")
}

func TestHealthReportsEveryDependency(t *testing.T) {
	tg := targetFor(t)
	res := do(t, http.MethodGet, tg.api("/health"), "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var report struct {
		Status string `json:"status"`
		Checks map[string]struct {
			Status   string  `json:"status"`
			Critical bool    `json:"critical"`
			Latency  float64 `json:"latency_ms"`
		} `json:"checks"`
		CheckedAt time.Time `json:"checked_at"`
	}
	require.NoError(t, json.Unmarshal(res.body, &report), "body: %s", res.body)
	assert.Equal(t, "ok", report.Status, "every dependency up right after a deploy; body: %s", res.body)
	wantCritical := map[string]bool{"postgres_writer": true, "postgres_reader": false, "redis": false}
	require.Len(t, report.Checks, len(wantCritical), "the report names exactly the writer, the reader and Redis: %s", res.body)
	for name, critical := range wantCritical {
		check, ok := report.Checks[name]
		if assert.True(t, ok, "check %s reported", name) {
			assert.Equal(t, "up", check.Status, "%s", name)
			assert.Equal(t, critical, check.Critical, "%s critical", name)
		}
	}
	assert.WithinDuration(t, time.Now(), report.CheckedAt, 5*time.Minute, "checked_at is recent (cached for seconds, not longer)")
	assert.NotContains(t, string(res.body), ".rds.amazonaws.com", "no host names in a public health body")
}

func TestMenuOfTheSeededRestaurantAndItsCacheHeader(t *testing.T) {
	tg := targetFor(t)
	path := tg.api("/v1/restaurants/" + tg.restaurant + "/menu")
	first := do(t, http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusOK, first.status, "restaurant %s must have a menu; body: %s", tg.restaurant, first.body)
	assert.Contains(t, []string{"hit", "miss"}, first.header.Get("X-Cache"), "X-Cache of the first read")
	var menu struct {
		RestaurantID json.Number `json:"restaurant_id"`
		Version      int64       `json:"version"`
		UpdatedAt    time.Time   `json:"updated_at"`
		Currency     string      `json:"currency"`
		Sections     []struct {
			Name  string `json:"name"`
			Items []struct {
				Name       string `json:"name"`
				PriceCents *int64 `json:"price_cents"`
			} `json:"items"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(first.body, &menu), "body: %s", first.body)
	assert.Equal(t, tg.restaurant, menu.RestaurantID.String())
	assert.Positive(t, menu.Version)
	assert.Regexp(t, `^[A-Z]{3}$`, menu.Currency)
	require.NotEmpty(t, menu.Sections)
	require.NotEmpty(t, menu.Sections[0].Items)
	assert.NotNil(t, menu.Sections[0].Items[0].PriceCents, "price_cents")

	// The first read filled the cache (or found it full): the next one is served from it.
	second := do(t, http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusOK, second.status)
	assert.Equal(t, "hit", second.header.Get("X-Cache"), "second read of the same menu")
	assert.JSONEq(t, string(first.body), string(second.body), "the cached copy is the same document")
}

func TestErrorBodies(t *testing.T) {
	tg := targetFor(t)
	menuBody := `{"currency":"EUR","sections":[{"name":"Mains","items":[{"name":"E2E","price_cents":100}]}]}`
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		code                     string
	}{
		{name: "bad id", method: http.MethodGet, path: "/v1/restaurants/not-a-number/menu", status: http.StatusBadRequest, code: "invalid_id"},
		{name: "id with leading zeros", method: http.MethodGet, path: "/v1/restaurants/007/menu", status: http.StatusBadRequest, code: "invalid_id"},
		{name: "unauthenticated write", method: http.MethodPut, path: "/v1/restaurants/" + tg.restaurant + "/menu", body: menuBody,
			header: map[string]string{"Content-Type": "application/json"}, status: http.StatusUnauthorized, code: "unauthorized"},
		{name: "unknown route", method: http.MethodGet, path: "/v1/no-such-route", status: http.StatusNotFound, code: "not_found"},
		{name: "wrong method", method: http.MethodDelete, path: "/v1/restaurants/" + tg.restaurant + "/menu", status: http.StatusMethodNotAllowed, code: "method_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := requestID(t)
			header := map[string]string{"X-Request-Id": id}
			for k, v := range c.header {
				header[k] = v
			}
			res := do(t, c.method, tg.api(c.path), c.body, header)
			assertError(t, res, c.status, c.code, id)
			switch c.status {
			case http.StatusUnauthorized:
				assert.Equal(t, `Bearer realm="garcon"`, res.header.Get("WWW-Authenticate"))
			case http.StatusMethodNotAllowed:
				assert.Contains(t, res.header.Get("Allow"), http.MethodGet)
			}
		})
	}
}

// hstsMaxAge parses the max-age of a Strict-Transport-Security header (-1 if absent).
func hstsMaxAge(value string) int {
	m := regexp.MustCompile(`(?i)(?:^|;)\s*max-age=(\d+)`).FindStringSubmatch(value)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return -1
	}
	return n
}

func TestHSTSOnTheAPI(t *testing.T) {
	tg := targetFor(t)
	tg.deployedOnly(t)
	res := do(t, http.MethodGet, tg.api("/health"), "", nil)
	hsts := res.header.Get("Strict-Transport-Security")
	// The API is served by the load balancer, not CloudFront: the header comes from the
	// HTTPS listener's attribute routing.http.response.strict_transport_security.header_value.
	assert.GreaterOrEqual(t, hstsMaxAge(hsts), 31536000, "Strict-Transport-Security %q: max-age of at least a year "+
		"(the ALB HTTPS listener's routing.http.response.strict_transport_security.header_value)", hsts)
	assert.Contains(t, strings.ToLower(hsts), "includesubdomains", "Strict-Transport-Security %q", hsts)
}

// hostPort is u's host with the https port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "443")
}

func handshake(host string, cfg *tls.Config) (tls.ConnectionState, error) {
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer func() { _ = conn.Close() }()
	return conn.(*tls.Conn).ConnectionState(), nil
}

func TestTLSIsAtLeast12(t *testing.T) {
	tg := targetFor(t)
	tg.deployedOnly(t)
	for _, u := range []*url.URL{tg.base, tg.static} {
		if u == nil {
			continue
		}
		t.Run(u.Hostname(), func(t *testing.T) {
			state, err := handshake(hostPort(u), &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12})
			require.NoError(t, err, "TLS handshake with %s", u.Host)
			assert.GreaterOrEqual(t, state.Version, uint16(tls.VersionTLS12), "negotiated %s", tls.VersionName(state.Version))
			// A client that offers nothing above TLS 1.1 must be refused by the server (an
			// alert), not merely fail on this side.
			_, err = handshake(hostPort(u), &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}) //nolint:gosec // deliberately weak: the server must refuse it
			require.Error(t, err, "%s accepted a TLS 1.1 handshake", u.Host)
			assert.True(t, refusedByServer(err), "the server refused it with a TLS alert, not a network error: %v", err)
		})
	}
}

// refusedByServer reports whether a handshake failed on a TLS alert from the server:
// protocol_version or handshake_failure.
func refusedByServer(err error) bool {
	var netErr *net.OpError
	if !errors.As(err, &netErr) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "remote error: tls: protocol version not supported") ||
		strings.Contains(msg, "remote error: tls: handshake failure")
}

// assertRedirectsToHTTPS checks that plain HTTP to u's host answers a permanent redirect
// to the same host and path over https.
func assertRedirectsToHTTPS(t *testing.T, u *url.URL, path string) {
	t.Helper()
	plain := "http://" + u.Hostname() + path
	res := do(t, http.MethodGet, plain, "", nil)
	assert.Contains(t, []int{http.StatusMovedPermanently, http.StatusPermanentRedirect}, res.status, "GET %s", plain)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "https", loc.Scheme, "Location %q", loc)
	assert.Equal(t, u.Hostname(), loc.Hostname(), "Location %q", loc)
	assert.Contains(t, []string{"", "443"}, loc.Port(), "Location %q", loc)
	assert.Equal(t, path, loc.Path, "Location %q", loc)
}

func TestHTTPRedirectsToHTTPS(t *testing.T) {
	tg := targetFor(t)
	tg.deployedOnly(t)
	t.Run("api", func(t *testing.T) { assertRedirectsToHTTPS(t, tg.base, "/health") })
	if tg.static != nil {
		t.Run("static", func(t *testing.T) { assertRedirectsToHTTPS(t, tg.static, "/index.html") })
	}
}

func TestStaticHostSecurityHeaders(t *testing.T) {
	tg := targetFor(t)
	tg.deployedOnly(t)
	if tg.static == nil {
		t.Skipf("%s is not set", envStaticURL)
	}
	// The response headers policy applies to every answer, the 404 page included.
	res := do(t, http.MethodGet, tg.static.String()+"/", "", nil)
	assert.Less(t, res.status, 500, "the static host answers")
	want := map[string]string{
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
	}
	for name, value := range want {
		assert.Equal(t, value, res.header.Get(name), name)
	}
}

// The deployed-only checks, tried on a local TLS server so that they are known to pass
// and fail for the right reasons before they meet a real environment.
func TestTheDeployedChecksThemselves(t *testing.T) {
	assert.Equal(t, 63072000, hstsMaxAge("max-age=63072000; includeSubDomains; preload"))
	assert.Equal(t, 300, hstsMaxAge("includeSubDomains; MAX-AGE=300"))
	assert.Equal(t, -1, hstsMaxAge(""))

	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	_, err := handshake(host, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, InsecureSkipVerify: true}) //nolint:gosec // a test server
	require.Error(t, err)
	assert.True(t, refusedByServer(err), "a server refusing TLS 1.1 answers with an alert: %v", err)
	assert.False(t, refusedByServer(errors.New("dial tcp: connection refused")), "a network error is not a refusal")
	state, err := handshake(host, &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}) //nolint:gosec // a test server
	require.NoError(t, err)
	assert.GreaterOrEqual(t, state.Version, uint16(tls.VersionTLS12))
}
