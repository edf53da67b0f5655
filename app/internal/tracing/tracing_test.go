package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestSetupIsANoOpWithoutEndpoint(t *testing.T) {
	p, err := Setup(context.Background(), Config{SampleRatio: 1})
	require.NoError(t, err)
	_, span := p.Tracer("t").Start(context.Background(), "x")
	assert.False(t, span.IsRecording())
	assert.NoError(t, p.Shutdown(context.Background()))
}

func TestSetupRejectsARatioOutsideZeroToOne(t *testing.T) {
	_, err := Setup(context.Background(), Config{Endpoint: "http://localhost:4318", SampleRatio: 2})
	require.ErrorContains(t, err, "outside 0 to 1")
}

// An incoming "sampled" flag does not force recording: the ratio decides
// by the trace id, and a zero ratio records nothing.
func TestSamplerIgnoresTheRemoteDecision(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := NewSDKProvider(Config{SampleRatio: 0}, sdktrace.WithSpanProcessor(rec))
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	_, span := tp.Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), remote), "x")
	span.End()
	assert.Empty(t, rec.Ended())

	tp = NewSDKProvider(Config{SampleRatio: 1}, sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	_, child := tp.Tracer("t").Start(ctx, "child")
	child.End()
	parent.End()
	assert.Len(t, rec.Ended(), 2)
}

func TestLogHandlerAddsTheTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With(slog.String("service", "garcon"))
	tp := NewSDKProvider(Config{SampleRatio: 1})
	ctx, span := tp.Tracer("t").Start(context.Background(), "x")
	logger.InfoContext(ctx, "traced")
	logger.Info("untraced")
	span.End()

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 2)
	var traced, untraced map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &traced))
	require.NoError(t, json.Unmarshal(lines[1], &untraced))
	sc := span.SpanContext()
	assert.Equal(t, sc.TraceID().String(), traced[LogTraceID])
	assert.Equal(t, sc.SpanID().String(), traced[LogSpanID])
	assert.Equal(t, "1-"+sc.TraceID().String()[:8]+"-"+sc.TraceID().String()[8:], traced[LogXRayTraceID])
	assert.Equal(t, "garcon", traced["service"])
	assert.NotContains(t, untraced, LogTraceID)
}
