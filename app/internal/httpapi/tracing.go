package httpapi

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/garcon/infrastructure/app/internal/tracing"
)

// untracedPaths are the probes: the ALB's /health every 15 s per target and
// /livez, which the container health check calls. Tracing them would fill
// X-Ray with identical traces and cost money without showing anything.
var untracedPaths = map[string]bool{"/health": true, "/livez": true}

// withTracing makes a server span of every request but the probes, with
// the trace context of the request's X-Amzn-Trace-Id or traceparent header
// (see tracing.Sampler for what an incoming sampling decision counts for).
// It is the outermost layer, so the access log line and every log line of
// the request carry the span's ids.
func withTracing(p *tracing.Provider, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "garcon",
		otelhttp.WithTracerProvider(p),
		otelhttp.WithPropagators(p.Propagator),
		otelhttp.WithFilter(func(r *http.Request) bool { return !untracedPaths[r.URL.Path] }),
	)
}

// tagSpan puts the request id on the request's span (a no-op without one).
func tagSpan(ctx context.Context, requestID string) {
	trace.SpanFromContext(ctx).SetAttributes(tracing.RequestIDAttribute.String(requestID))
}

// nameSpan names the request's span after the matched route, e.g.
// "GET /v1/restaurants/{id}/menu", never the raw path (ids would make
// every span name unique), and records the route as http.route.
func nameSpan(ctx context.Context, pattern string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetName(pattern)
	if _, route, ok := strings.Cut(pattern, " "); ok {
		span.SetAttributes(attribute.String("http.route", route))
	}
}
