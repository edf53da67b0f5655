package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/uploads"
)

// Unit tests of the HTTP layer. They need no database: every request here
// is answered before a handler touches PostgreSQL or Redis (routing,
// authentication, validation). The integration tests cover the rest.

var testSecret = []byte("unit-test-secret-unit-test-secret-0123")

const testAudience = "garcon-api"

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type unitEnv struct {
	handler http.Handler
	logs    *syncBuffer
	metrics *metrics.Recorder
	emf     *syncBuffer
}

func newUnitEnv(t *testing.T) *unitEnv {
	t.Helper()
	logs, emf := &syncBuffer{}, &syncBuffer{}
	rec := metrics.New("staging", emf)
	s3c := s3.New(s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	h := New(Deps{
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
		Auth:           auth.NewVerifier(testSecret, testAudience),
		Uploads:        uploads.NewPresigner(s3c, "garcon-uploads-test"),
		UploadMaxBytes: 1000,
		Metrics:        rec,
	})
	return &unitEnv{handler: h, logs: logs, metrics: rec, emf: emf}
}

func token(t *testing.T, sub string, admin bool, ttl time.Duration) string {
	t.Helper()
	s, err := auth.Sign(testSecret, testAudience, sub, admin, ttl)
	require.NoError(t, err)
	return s
}

func (e *unitEnv) do(method, target, body string, headers map[string]string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w
}

// decodeError checks the one error shape and returns it.
func decodeError(t *testing.T, w *httptest.ResponseRecorder) ErrorDetail {
	t.Helper()
	assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	var raw map[string]map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &raw), "body: %s", w.Body.String())
	require.Len(t, raw, 1, "only the error member at top level: %s", w.Body.String())
	inner, ok := raw["error"]
	require.True(t, ok, "missing error member: %s", w.Body.String())
	for _, k := range []string{"code", "message", "request_id"} {
		v, ok := inner[k].(string)
		require.True(t, ok, "error.%s must be a string: %s", k, w.Body.String())
		require.NotEmpty(t, v, "error.%s must not be empty", k)
	}
	assert.Equal(t, w.Header().Get(RequestIDHeader), inner["request_id"], "body and header carry the same request id")
	var body ErrorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	return body.Error
}

func TestLivez(t *testing.T) {
	e := newUnitEnv(t)
	w := e.do("GET", "/livez", "", nil)
	assert.Equal(t, 200, w.Code)
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	e := newUnitEnv(t)
	for _, path := range []string{"/", "/nope", "/v1/restaurants", "/v1/restaurants/1/menu/extra", "/v1/restaurants/1"} {
		w := e.do("GET", path, "", nil)
		assert.Equal(t, 404, w.Code, path)
		d := decodeError(t, w)
		assert.Equal(t, CodeNotFound, d.Code)
	}
}

func TestWrongMethodIsJSON405WithAllow(t *testing.T) {
	e := newUnitEnv(t)
	cases := map[string]string{
		"DELETE /v1/restaurants/1/menu": "GET, HEAD, PUT",
		"POST /livez":                   "GET, HEAD",
		"GET /v1/uploads":               "POST",
		"PATCH /health":                 "GET, HEAD",
	}
	for req, allow := range cases {
		method, path, _ := strings.Cut(req, " ")
		w := e.do(method, path, "", nil)
		assert.Equal(t, 405, w.Code, req)
		assert.Equal(t, allow, w.Header().Get("Allow"), req)
		d := decodeError(t, w)
		assert.Equal(t, CodeMethodNotAllowed, d.Code)
		assert.Contains(t, d.Message, allow)
	}
}

func TestRequestIDEchoedOrGenerated(t *testing.T) {
	e := newUnitEnv(t)
	w := e.do("GET", "/nope", "", map[string]string{RequestIDHeader: "abc-123"})
	assert.Equal(t, "abc-123", w.Header().Get(RequestIDHeader))
	assert.Equal(t, "abc-123", decodeError(t, w).RequestID)

	// Unsafe ids are replaced, not echoed.
	w = e.do("GET", "/livez", "", map[string]string{RequestIDHeader: "evil\"id with spaces"})
	got := w.Header().Get(RequestIDHeader)
	assert.Regexp(t, `^[0-9a-f]{32}$`, got)

	w2 := e.do("GET", "/livez", "", nil)
	assert.Regexp(t, `^[0-9a-f]{32}$`, w2.Header().Get(RequestIDHeader))
	assert.NotEqual(t, got, w2.Header().Get(RequestIDHeader))
}

func TestAccessLogLine(t *testing.T) {
	e := newUnitEnv(t)
	e.do("GET", "/livez", "", map[string]string{RequestIDHeader: "log-test-1"})
	e.do("DELETE", "/livez", "", map[string]string{RequestIDHeader: "log-test-2"})
	var found int
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["msg"] != "request" {
			continue
		}
		switch m["request_id"] {
		case "log-test-1":
			found++
			assert.Equal(t, "GET", m["method"])
			assert.Equal(t, "GET /livez", m["pattern"])
			assert.Equal(t, float64(200), m["status"])
			assert.Contains(t, m, "latency_ms")
		case "log-test-2":
			found++
			assert.Equal(t, "unmatched", m["pattern"])
			assert.Equal(t, float64(405), m["status"])
		}
	}
	assert.Equal(t, 2, found, "logs: %s", e.logs.String())
}

func TestPanicBecomesJSON500(t *testing.T) {
	logs := &syncBuffer{}
	h := withRequestContext(slog.New(slog.NewJSONHandler(logs, nil)), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	assert.Equal(t, 500, w.Code)
	d := decodeError(t, w)
	assert.Equal(t, CodeInternal, d.Code)
	assert.NotContains(t, w.Body.String(), "boom", "panic values are not sent to clients")
	assert.Contains(t, logs.String(), `"panic":"boom"`)
	assert.Contains(t, logs.String(), `"status":500`)
}

func TestPanicAfterHeadersAbortsConnection(t *testing.T) {
	h := withRequestContext(slog.New(slog.NewJSONHandler(io.Discard, nil)), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"partial":`))
		panic("boom")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	srv.Config.ErrorLog = nil
	resp, err := http.Get(srv.URL)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	assert.Error(t, err, "a response broken by a panic must not look complete")
}

func TestPutMenuAuth(t *testing.T) {
	e := newUnitEnv(t)
	body := `{"currency":"EUR","sections":[{"name":"A","items":[{"name":"x","price_cents":1}]}]}`
	ct := map[string]string{"Content-Type": "application/json"}
	with := func(tok string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok}
	}
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "garcon", "aud": testAudience, "sub": "x", "admin": true, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("some-other-secret-some-other-secret!!"))
	require.NoError(t, err)
	otherAud, err := auth.Sign(testSecret, "garcon-backoffice", "admin-1", true, time.Hour)
	require.NoError(t, err)
	noAud, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "garcon", "sub": "admin-1", "admin": true, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(testSecret)
	require.NoError(t, err)

	cases := []struct {
		name    string
		headers map[string]string
		status  int
		code    string
	}{
		{"missing", ct, 401, CodeUnauthorized},
		{"expired", with(token(t, "admin-1", true, -time.Minute)), 401, CodeTokenExpired},
		{"forged", with(forged), 401, CodeUnauthorized},
		{"garbage", with("abc.def.ghi"), 401, CodeUnauthorized},
		{"another audience", with(otherAud), 401, CodeUnauthorized},
		{"no audience", with(noAud), 401, CodeUnauthorized},
		{"not admin", with(token(t, "diner-1", false, time.Minute)), 403, CodeForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("PUT", "/v1/restaurants/1/menu", body, tc.headers)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.code, decodeError(t, w).Code)
			if tc.status == 401 {
				assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer"))
			}
		})
	}
}

func TestPutMenuRejectsBadInput(t *testing.T) {
	e := newUnitEnv(t)
	admin := token(t, "admin-1", true, time.Minute)
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + admin}
	valid := `{"currency":"EUR","sections":[{"name":"A","items":[{"name":"x","price_cents":1}]}]}`
	huge := `{"currency":"EUR","sections":[{"name":"` + strings.Repeat("a", 1<<20) + `","items":[]}]}`

	cases := []struct {
		name, path, body string
		headers          map[string]string
		status           int
		code, msg        string
	}{
		{"bad id", "/v1/restaurants/abc/menu", valid, h, 400, CodeInvalidID, "positive integer"},
		{"zero id", "/v1/restaurants/0/menu", valid, h, 400, CodeInvalidID, "positive integer"},
		{"text/plain", "/v1/restaurants/1/menu", valid, map[string]string{"Authorization": "Bearer " + admin, "Content-Type": "text/plain"}, 415, CodeUnsupportedMediaType, "application/json"},
		{"no content type", "/v1/restaurants/1/menu", valid, map[string]string{"Authorization": "Bearer " + admin}, 415, CodeUnsupportedMediaType, "application/json"},
		{"too large", "/v1/restaurants/1/menu", huge, h, 413, CodeBodyTooLarge, "1048576 bytes"},
		{"empty body", "/v1/restaurants/1/menu", "", h, 400, CodeBadRequest, "empty"},
		{"malformed", "/v1/restaurants/1/menu", `{"currency":`, h, 400, CodeBadRequest, "truncated"},
		{"syntax", "/v1/restaurants/1/menu", `{"currency" "EUR"}`, h, 400, CodeBadRequest, "malformed JSON at byte"},
		{"array", "/v1/restaurants/1/menu", `[1,2]`, h, 400, CodeBadRequest, "JSON object"},
		{"unknown field", "/v1/restaurants/1/menu", `{"currency":"EUR","sections":[],"colour":"red"}`, h, 400, CodeValidation, `unknown field "colour"`},
		{"nested unknown field", "/v1/restaurants/1/menu", `{"currency":"EUR","sections":[{"name":"A","items":[{"name":"x","price_cents":1,"price":1}]}]}`, h, 400, CodeValidation, `unknown field "price"`},
		{"float price", "/v1/restaurants/1/menu", `{"currency":"EUR","sections":[{"name":"A","items":[{"name":"x","price_cents":6.5}]}]}`, h, 400, CodeValidation, `"sections.items.price_cents" must be an integer`},
		{"string price", "/v1/restaurants/1/menu", `{"currency":"EUR","sections":[{"name":"A","items":[{"name":"x","price_cents":"6"}]}]}`, h, 400, CodeValidation, "must be an integer"},
		{"trailing data", "/v1/restaurants/1/menu", valid + `{}`, h, 400, CodeBadRequest, "single JSON object"},
		{"rules", "/v1/restaurants/1/menu", `{"currency":"euro","sections":[{"name":"","items":[{"name":"x","price_cents":-1}]}]}`, h, 400, CodeValidation, "currency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("PUT", tc.path, tc.body, tc.headers)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			d := decodeError(t, w)
			assert.Equal(t, tc.code, d.Code)
			assert.Contains(t, d.Message, tc.msg)
		})
	}
}

func TestValidationErrorDetails(t *testing.T) {
	e := newUnitEnv(t)
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token(t, "a", true, time.Minute)}
	w := e.do("PUT", "/v1/restaurants/7/menu", `{"currency":"eu","sections":[{"name":"","items":[{"name":"x","price_cents":-1}]}]}`, h)
	require.Equal(t, 400, w.Code)
	var body struct {
		Error struct {
			Details []struct{ Field, Message string } `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	got := map[string]bool{}
	for _, d := range body.Error.Details {
		got[d.Field] = true
	}
	assert.Equal(t, map[string]bool{"currency": true, "sections[0].name": true, "sections[0].items[0].price_cents": true}, got)
}

func TestGetMenuBadID(t *testing.T) {
	e := newUnitEnv(t)
	for _, id := range []string{"0", "-3", "01", "x", "9223372036854775808"} {
		w := e.do("GET", "/v1/restaurants/"+id+"/menu", "", nil)
		assert.Equal(t, 400, w.Code, id)
		assert.Equal(t, CodeInvalidID, decodeError(t, w).Code)
	}
}

func TestUploads(t *testing.T) {
	e := newUnitEnv(t)
	tok := token(t, "user-9", false, time.Minute)
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok}

	w := e.do("POST", "/v1/uploads", `{"content_type":"image/jpeg","content_length":10}`, map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, 401, w.Code)
	decodeError(t, w)

	cases := []struct {
		body   string
		status int
		code   string
	}{
		{`{"content_type":"image/gif","content_length":10}`, 415, CodeUnsupportedUpload},
		{`{"content_type":"application/pdf","content_length":10}`, 415, CodeUnsupportedUpload},
		{`{"content_type":"image/png","content_length":1001}`, 413, CodeUploadTooLarge},
		{`{"content_type":"image/png","content_length":0}`, 400, CodeValidation},
		{`{"content_type":"image/png"}`, 400, CodeValidation},
		{`{"content_type":"image/png","content_length":10,"key":"uploads/other/x"}`, 400, CodeValidation},
		{`{"content_type":"image/png","content_length":"10"}`, 400, CodeValidation},
	}
	for _, tc := range cases {
		w := e.do("POST", "/v1/uploads", tc.body, h)
		assert.Equal(t, tc.status, w.Code, tc.body+" -> "+w.Body.String())
		assert.Equal(t, tc.code, decodeError(t, w).Code, tc.body)
	}
	require.NoError(t, e.metrics.Flush())
	assert.Contains(t, e.emf.String(), `"UploadsRequested":0`, "rejected requests are not counted")

	w = e.do("POST", "/v1/uploads", `{"content_type":"image/webp","content_length":1000}`, h)
	require.Equal(t, 200, w.Code, w.Body.String())
	var p uploads.Presigned
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	assert.Equal(t, "PUT", p.Method)
	assert.True(t, strings.HasPrefix(p.Key, "uploads/user-9/"), p.Key)
	assert.Equal(t, "image/webp", p.Headers["Content-Type"])
	assert.Equal(t, "1000", p.Headers["Content-Length"])
	assert.Contains(t, p.URL, "X-Amz-Signature=")
	require.NoError(t, e.metrics.Flush())
	assert.Contains(t, e.emf.String(), `"UploadsRequested":1`)
}

// A body without Content-Length (chunked) is cut off by MaxBytesReader while
// decoding rather than by the header check.
func TestChunkedBodyOverLimitIs413(t *testing.T) {
	e := newUnitEnv(t)
	huge := `{"currency":"EUR","sections":[{"name":"` + strings.Repeat("a", 2<<20) + `","items":[]}]}`
	req := httptest.NewRequest("PUT", "/v1/restaurants/1/menu", io.MultiReader(strings.NewReader(huge)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token(t, "a", true, time.Minute))
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, w.Body.String())
	assert.Equal(t, CodeBodyTooLarge, decodeError(t, w).Code)
}
