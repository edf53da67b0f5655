package httpapi

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/uploads"
)

// Until the schema migrations have run, /livez answers (the container is
// alive), /health says why it is not ready and the API routes answer a
// retryable 503.
func TestNotReadyUntilMigrated(t *testing.T) {
	logs, emf := &syncBuffer{}, &syncBuffer{}
	s3c := s3.New(s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	var ready atomic.Bool
	h := New(Deps{
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
		Auth:           auth.NewVerifier(testSecret, testAudience),
		Uploads:        uploads.NewPresigner(s3c, "garcon-uploads-test"),
		UploadMaxBytes: 1000,
		Metrics:        metrics.New("staging", emf),
		Ready:          ready.Load,
	})
	e := &unitEnv{handler: h, logs: logs, emf: emf}

	assert.Equal(t, 200, e.do("GET", "/livez", "", nil).Code)
	w := e.do("GET", "/health", "", nil)
	assert.Equal(t, 503, w.Code)
	assert.JSONEq(t, `{"status":"unavailable","migrations":"pending"}`, w.Body.String())
	admin := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token(t, "a", true, time.Hour)}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/restaurants/1/menu", ""},
		{"PUT", "/v1/restaurants/1/menu", `{}`},
		{"POST", "/v1/uploads", `{"content_type":"image/png","content_length":10}`},
	} {
		w := e.do(r.method, r.path, r.body, admin)
		assert.Equal(t, 503, w.Code, r.path)
		assert.Equal(t, "5", w.Header().Get("Retry-After"), r.path)
		assert.Equal(t, CodeUnavailable, decodeError(t, w).Code, r.path)
	}

	ready.Store(true)
	w = e.do("POST", "/v1/uploads", `{"content_type":"image/png","content_length":10}`, admin)
	assert.Equal(t, 200, w.Code, w.Body.String())
}
