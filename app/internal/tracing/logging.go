package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute names of the trace context.
const (
	LogTraceID     = "trace_id"
	LogSpanID      = "span_id"
	LogXRayTraceID = "xray_trace_id"
)

// LogHandler wraps a slog handler: a record logged with a context that holds
// a valid span gets trace_id and span_id (W3C hex) and xray_trace_id (the
// id as the X-Ray console shows and searches it), so a log line leads to
// its trace and back.
func LogHandler(next slog.Handler) slog.Handler { return &logHandler{next: next} }

type logHandler struct{ next slog.Handler }

func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(
			slog.String(LogTraceID, sc.TraceID().String()),
			slog.String(LogSpanID, sc.SpanID().String()),
			slog.String(LogXRayTraceID, XRayTraceID(sc.TraceID())),
		)
	}
	return h.next.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{next: h.next.WithAttrs(attrs)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name)}
}
