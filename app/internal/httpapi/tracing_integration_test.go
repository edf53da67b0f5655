package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/garcon/infrastructure/app/internal/testsupport"
	"github.com/garcon/infrastructure/app/internal/tracing"
)

// Tracing over the real handler, PostgreSQL and Redis: spans go to an
// in-process recorder through the service's own provider (sampler, X-Ray id
// generator, propagators), exactly as serve builds it minus the exporter.

func newRecordedEnv(t *testing.T) (*liveEnv, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	sdk := tracing.NewSDKProvider(tracing.Config{SampleRatio: 1, Environment: "test"}, sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = sdk.Shutdown(t.Context()) })
	return newLiveEnvTraced(t, &tracing.Provider{TracerProvider: sdk, Propagator: tracing.Propagator()}), rec
}

// send makes one request with the given headers and returns the response.
func (e *liveEnv) send(t *testing.T, method, path, body string, header map[string]string) resp {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// serverSpan returns the one server span that carries requestID.
func serverSpan(t *testing.T, rec *tracetest.SpanRecorder, requestID string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer && attr(s, tracing.RequestIDAttribute) == requestID {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "server spans with %s=%s", tracing.RequestIDAttribute, requestID)
	return found[0]
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) string {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

// childrenOf lists the spans whose parent is parent, by the system they
// called: db.system(.name) ("postgresql", "redis"), else the AWS service of
// the span name ("S3" of "S3.PutObject").
func childrenOf(rec *tracetest.SpanRecorder, parent sdktrace.ReadOnlySpan) map[string][]sdktrace.ReadOnlySpan {
	out := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			continue
		}
		system := attr(s, "db.system.name")
		if system == "" {
			system = attr(s, "db.system")
		}
		if system == "" {
			system, _, _ = strings.Cut(s.Name(), ".")
		}
		out[system] = append(out[system], s)
	}
	return out
}

func TestTracedMenuReadHasDatabaseAndRedisChildSpans(t *testing.T) {
	e, rec := newRecordedEnv(t)
	id := testsupport.RandomID()
	path := "/v1/restaurants/" + strconv.FormatInt(id, 10) + "/menu"
	require.Equal(t, http.StatusOK, e.call(t, http.MethodPut, path, menuDoc("EUR", "Crêpe", 750)).status)
	require.NoError(t, e.redisAdmin.Del(t.Context(), e.cache.Key(id)).Err(), "drop the cached copy: the read must go to PostgreSQL")

	requestID := "trace-" + strconv.FormatInt(id, 36)
	r := e.send(t, http.MethodGet, path, "", map[string]string{RequestIDHeader: requestID})
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "miss", r.header.Get("X-Cache"))

	server := serverSpan(t, rec, requestID)
	assert.Equal(t, "GET /v1/restaurants/{id}/menu", server.Name(), "named after the route, not the path")
	assert.Equal(t, "/v1/restaurants/{id}/menu", attr(server, "http.route"))
	children := childrenOf(rec, server)
	require.NotEmpty(t, children["postgresql"], "a PostgreSQL span under the server span; children: %v", names(children))
	require.NotEmpty(t, children["redis"], "Redis spans under the server span; children: %v", names(children))
	var sql []string
	for _, s := range children["postgresql"] {
		sql = append(sql, attr(s, "db.query.text")+attr(s, "db.statement"))
	}
	assert.Contains(t, strings.Join(sql, "\n"), "FROM menus", "the query span holds the SQL")
	var redisCommands []string
	for _, s := range children["redis"] {
		redisCommands = append(redisCommands, s.Name())
		assert.Empty(t, attr(s, "db.statement")+attr(s, "db.query.text"), "no command arguments (menu documents) in Redis spans")
	}
	assert.Contains(t, strings.Join(redisCommands, " "), "get", "the cache lookup")

	// The access log line of the request carries the same trace.
	line := accessLogLine(t, e.logs.String(), requestID)
	tid := server.SpanContext().TraceID()
	assert.Equal(t, tid.String(), line["trace_id"])
	assert.Equal(t, server.SpanContext().SpanID().String(), line["span_id"])
	assert.Equal(t, tracing.XRayTraceID(tid), line["xray_trace_id"])
	assert.Regexp(t, `^1-[0-9a-f]{8}-[0-9a-f]{24}$`, line["xray_trace_id"])
	start, err := strconv.ParseInt(tid.String()[:8], 16, 64)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), time.Unix(start, 0), time.Minute, "X-Ray ids begin with the start time")
}

func names(m map[string][]sdktrace.ReadOnlySpan) map[string][]string {
	out := map[string][]string{}
	for k, spans := range m {
		for _, s := range spans {
			out[k] = append(out[k], s.Name())
		}
	}
	return out
}

// accessLogLine finds the "request" line of requestID in the JSON logs.
func accessLogLine(t *testing.T, logs, requestID string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == requestID {
			return m
		}
	}
	t.Fatalf("no access log line for %s in:\n%s", requestID, logs)
	return nil
}

// An X-Ray header with a parent (the ALB passes on the client's) continues
// that trace; the sampled flag it carries does not force recording.
func TestTracedRequestContinuesAnXRayTrace(t *testing.T) {
	e, rec := newRecordedEnv(t)
	const header = "Root=1-6745b2c1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
	r := e.send(t, http.MethodGet, "/v1/restaurants/1/menu", "", map[string]string{
		RequestIDHeader: "xray-parent", "X-Amzn-Trace-Id": header,
	})
	require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, r.status)
	server := serverSpan(t, rec, "xray-parent")
	assert.Equal(t, "6745b2c10123456789abcdef01234567", server.SpanContext().TraceID().String())
	assert.Equal(t, "53995c3f42cd8ad8", server.Parent().SpanID().String())
	assert.True(t, server.Parent().IsRemote())
}

func TestProbesAreNotTraced(t *testing.T) {
	e, rec := newRecordedEnv(t)
	for _, p := range []string{"/health", "/livez"} {
		require.Equal(t, http.StatusOK, e.send(t, http.MethodGet, p, "", nil).status, p)
	}
	for _, s := range rec.Ended() {
		assert.NotEqual(t, trace.SpanKindServer, s.SpanKind(), "probe traced: %s", s.Name())
	}
}

// A presigned upload has an S3 span, and tracing changes nothing in what
// the URL signs (X-Amzn-Trace-Id is never signed; traceparent is not sent).
func TestTracedUploadPresignHasAnS3Span(t *testing.T) {
	e, rec := newRecordedEnv(t)
	r := e.send(t, http.MethodPost, "/v1/uploads", `{"content_type":"image/png","content_length":2048}`, map[string]string{
		"Authorization": "Bearer " + token(t, "user-7", false, time.Hour), "Content-Type": "application/json", RequestIDHeader: "presign-1",
	})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var body struct{ URL string }
	require.NoError(t, json.Unmarshal(r.body, &body))
	u, err := url.Parse(body.URL)
	require.NoError(t, err)
	assert.Equal(t, "content-length;content-type;host", u.Query().Get("X-Amz-SignedHeaders"))

	children := childrenOf(rec, serverSpan(t, rec, "presign-1"))
	require.Len(t, children["S3"], 1, "children: %v", names(children))
	assert.Equal(t, "S3.PutObject", children["S3"][0].Name())
}
